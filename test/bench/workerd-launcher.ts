/**
 * The bench's dev server: what `npm start` starts (wrangler's dev server for wrangler.toml, workerd through
 * Miniflare, the DevTools inspector off), through the same wrangler API, but without file watching — a
 * source edited during a run must not reload the Worker under the measurement.
 *
 *   node workerd-launcher.mjs PORT PERSIST_DIR MODEL_DIR [BASE_VARIANT] [BACKEND]
 *
 * BASE_VARIANT and BACKEND override wrangler.toml's vars of those names ('' for the fp32 base; '' keeps
 * wrangler.toml's BACKEND).
 *
 * The URL it prints is npm start's: a byte relay to workerd's own HTTP socket (front-socket.ts, following
 * wrangler's reloads as workers/entries/wrangler-dev.ts does), not wrangler's dev proxy: that proxy re-sends
 * each request from a Durable Object of its own, which costs every streamed chunk another hop inside workerd
 * (measured: 0.57 ms a decoding step over the engine's own time through the proxy) that neither `npm start`
 * nor a deployed Worker has.
 */
import { unstable_DevEnv } from 'wrangler';
import { startFrontSocket } from '../../workers/entries/front-socket';

const [port, persist, assets, baseVariant, backend] = process.argv.slice(2);
if (port === undefined || persist === undefined || assets === undefined) {
  console.error('usage: workerd-launcher PORT PERSIST_DIR MODEL_DIR');
  process.exit(2);
}
const devEnv = new unstable_DevEnv();
let direct: { hostname: string; port: number } | undefined;
let loaded: () => void = () => undefined;
const firstLoad = new Promise<void>((resolve) => (loaded = resolve));
const dispatch = devEnv.dispatch.bind(devEnv);
devEnv.dispatch = (event) => {
  if (event.type === 'reloadComplete') {
    const { hostname, port } = event.proxyData.userWorkerUrl;
    direct = { hostname, port: Number(port) };
    loaded();
  }
  dispatch(event);
};
const worker = await devEnv.startWorker({
  config: 'wrangler.toml',
  assets,
  bindings: {
    ...(baseVariant === undefined ? {} : { BASE_VARIANT: { type: 'plain_text' as const, value: baseVariant } }),
    ...(backend === undefined || backend === '' ? {} : { BACKEND: { type: 'plain_text' as const, value: backend } }),
  },
  // wrangler's own proxy on a free port nobody is told about; clients use the relay below.
  dev: { inspector: false, watch: false, server: { hostname: '127.0.0.1', port: 0 }, persist, logLevel: 'warn' },
});
await Promise.all([worker.ready, firstLoad]);
if (direct === undefined) throw new Error('wrangler did not report workerd\'s own socket');
const front = await startFrontSocket('127.0.0.1', Number(port), () => direct);
// PORT 0 picks a free port; the caller reads it from this line.
console.log(`cerberus-edge bench server on http://127.0.0.1:${front.port}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Promise.all([front.close(), worker.dispose()]).finally(() => process.exit(0)));
}
