/**
 * The bench's dev server: what `npm start` starts (wrangler's dev server for wrangler.toml, workerd through
 * Miniflare, the DevTools inspector off), through the same wrangler API, but without file watching — a
 * source edited during a run must not reload the Worker under the measurement.
 *
 *   node workerd-launcher.mjs PORT PERSIST_DIR MODEL_DIR [BASE_VARIANT] [BACKEND]
 *
 * BASE_VARIANT and BACKEND override wrangler.toml's vars of those names ('' for the fp32 base; '' keeps
 * wrangler.toml's BACKEND).
 */
import { unstable_startWorker } from 'wrangler';

const [port, persist, assets, baseVariant, backend] = process.argv.slice(2);
if (port === undefined || persist === undefined || assets === undefined) {
  console.error('usage: workerd-launcher PORT PERSIST_DIR MODEL_DIR');
  process.exit(2);
}
const worker = await unstable_startWorker({
  config: 'wrangler.toml',
  assets,
  bindings: {
    ...(baseVariant === undefined ? {} : { BASE_VARIANT: { type: 'plain_text' as const, value: baseVariant } }),
    ...(backend === undefined || backend === '' ? {} : { BACKEND: { type: 'plain_text' as const, value: backend } }),
  },
  dev: { inspector: false, watch: false, server: { hostname: '127.0.0.1', port: Number(port) }, persist, logLevel: 'warn' },
});
await worker.ready;
// PORT 0 picks a free port; the caller reads it from this line.
console.log(`cerberus-edge bench server on ${(await worker.url).origin}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void worker.dispose().finally(() => process.exit(0)));
}
