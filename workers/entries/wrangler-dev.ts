/**
 * `npm start`: wrangler's local dev server for wrangler.toml — workerd through Miniflare, the same runtime,
 * bindings, Durable Objects and file watching as `wrangler dev` — started through wrangler's API so that the
 * DevTools inspector can stay off.
 *
 * Why not the `wrangler dev` command: its inspector proxy forwards every DevTools message to wrangler as a
 * loopback HTTP request of its own, and workerd reports every 4 KiB of a subrequest body as one message.
 * Loading the shipped model through the assets binding (≈ 30 MB) fired 5,700–6,900 such requests at once; the
 * loopback resets connections, and requests in flight fail with "503 Your worker restarted mid-request".
 * The command has no switch to turn the inspector off; the API has (`--inspect` turns it back on).
 *
 * Clients connect to workerd's own HTTP socket, through a byte-level loopback relay (front-socket.ts), not
 * to wrangler's dev proxy: that proxy re-sends each request from a Durable Object of its own and never
 * passes a client's disconnect on, so a stopped stream kept its session busy until the idle timeout (15 s)
 * and the session logged tokens nobody read. Closing the relayed socket is what workerd's own HTTP path
 * sees, so `request.signal` aborts and the turn ends within a step, as deployed.
 */
import { parseArgs } from 'node:util';
import { unstable_DevEnv, unstable_readConfig } from 'wrangler';
import { startFrontSocket } from './front-socket';

const USAGE = `usage: npm start -- [options]
  --ip ADDRESS          listen address (default: wrangler.toml [dev] ip)
  --port N              listen port (default: wrangler.toml [dev] port)
  --persist-to DIR      Durable Object storage folder (default: .wrangler/state)
  --assets DIR          serve another model folder (default: wrangler.toml [assets] directory)
  --var NAME:VALUE      override a [vars] entry; repeatable
  --log-level LEVEL     debug | info | log | warn | error | none (default: log)
  --inspect             open the DevTools inspector (see the note in README, Start)`;

const CONFIG = 'wrangler.toml';

const LOG_LEVELS = ['debug', 'info', 'log', 'warn', 'error', 'none'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** Exits with a message (and the usage, for a bad command line). */
function fail(message: string, usage = true): never {
  console.error(usage ? `${message}\n${USAGE}` : message);
  process.exit(2);
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${value}: expected an integer from 0 to 65535`);
  return port;
}

function parseVars(entries: readonly string[]): Record<string, { type: 'plain_text'; value: string }> {
  const vars: Record<string, { type: 'plain_text'; value: string }> = {};
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon <= 0) fail(`--var ${entry}: expected NAME:VALUE`);
    vars[entry.slice(0, colon)] = { type: 'plain_text', value: entry.slice(colon + 1) };
  }
  return vars;
}

function parseLogLevel(value: string | undefined): LogLevel | undefined {
  if (value === undefined) return undefined;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) fail(`--log-level ${value}: expected one of ${LOG_LEVELS.join(', ')}`);
  return value as LogLevel;
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        ip: { type: 'string' },
        port: { type: 'string' },
        'persist-to': { type: 'string' },
        assets: { type: 'string' },
        var: { type: 'string', multiple: true },
        'log-level': { type: 'string' },
        inspect: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
})();
if (values.help === true) {
  console.log(USAGE);
  process.exit(0);
}

// Miniflare would fetch Cloudflare's `Request.cf` sample from the internet on start and, offline, print a
// warning with a stack trace (twice). The service never reads request.cf, so use Miniflare's built-in
// placeholder without asking; CLOUDFLARE_CF_FETCH_ENABLED=true in the environment restores the fetch.
process.env['CLOUDFLARE_CF_FETCH_ENABLED'] ??= 'false';

const port = parsePort(values.port);
const logLevel = parseLogLevel(values['log-level']);
const { dev } = unstable_readConfig({ config: CONFIG });
const hostname = values.ip ?? dev.ip;
const listenPort = port ?? dev.port ?? 8787;

// workerd's own socket, as wrangler's runtime reports it after every (re)load; the relay follows it.
const devEnv = new unstable_DevEnv();
let userWorker: { hostname: string; port: number } | undefined;
let loaded: () => void = () => undefined;
const firstLoad = new Promise<void>((resolve) => (loaded = resolve));
// The port is taken before wrangler starts (answering 503 until the Worker has loaded), so nothing that
// starts meanwhile (workerd's own sockets on free ports) can take it, and a taken port fails here at once.
const front = await startFrontSocket(hostname, listenPort, () => userWorker).catch((error: NodeJS.ErrnoException) =>
  fail(`cannot listen on ${hostname}:${listenPort} (${error.code ?? error.message}); stop what uses it or pass --port N`, false),
);
/**
 * Loads the model into the (re)loaded Worker by asking for readiness (/readyz loads it): otherwise the first
 * request of a burst pays for it, and onnxruntime's session creation blocks the isolate for a few hundred ms
 * while /healthz waits (docs/load.md). A model that does not load is reported by /readyz itself; it is logged
 * here, not fatal: the server still answers, with 503 model_unavailable on turns.
 */
async function warmModel(to: { hostname: string; port: number }): Promise<void> {
  try {
    const response = await fetch(`http://${to.hostname}:${to.port}/readyz`, { signal: AbortSignal.timeout(120_000) });
    const body = await response.text();
    if (!response.ok) console.error(`cerberus-edge: the model is not ready (${response.status}): ${body.slice(0, 300)}`);
  } catch (error) {
    console.error(`cerberus-edge: could not warm the model: ${String(error)}`);
  }
}
let warmed: Promise<void> = Promise.resolve();
const dispatch = devEnv.dispatch.bind(devEnv);
devEnv.dispatch = (event) => {
  if (event.type === 'reloadComplete') {
    const url = event.proxyData.userWorkerUrl;
    userWorker = { hostname: url.hostname, port: Number(url.port) };
    warmed = warmModel(userWorker);
    loaded();
  }
  dispatch(event);
};
const worker = await devEnv.startWorker({
  config: CONFIG,
  ...(values.assets !== undefined ? { assets: values.assets } : {}),
  bindings: parseVars(values.var ?? []),
  dev: {
    inspector: values.inspect === true ? {} : false,
    watch: true,
    // wrangler's own proxy still runs (its reload logic needs it), on a free loopback port nobody is told about
    server: { hostname: '127.0.0.1', port: 0 },
    ...(values['persist-to'] !== undefined ? { persist: values['persist-to'] } : {}),
    ...(logLevel !== undefined ? { logLevel } : {}),
  },
});
await Promise.all([worker.ready, firstLoad]);
await warmed;
// wrangler has just printed its proxy's port ("Ready on ..."): that one is internal.
console.log(`cerberus-edge: serving on http://${hostname === '0.0.0.0' ? '127.0.0.1' : hostname}:${front.port} (workerd directly)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Promise.all([front.close(), worker.dispose()]).finally(() => process.exit(0)));
}
