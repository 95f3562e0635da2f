/** Deno entry: the shared app on Deno.serve, stores in memory, the model read from disk. */
import { createLocalApp, serveOptions } from './local-app';

interface DenoRuntime {
  readonly args: readonly string[];
  readonly env: { get(name: string): string | undefined };
  serve(
    options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
}

// The project type-checks against Node and Workers types; Deno's globals are declared here, where used.
const Deno = (globalThis as unknown as { Deno: DenoRuntime }).Deno;

const options = serveOptions((name) => Deno.env.get(name), Deno.args.includes('--dev'));
const app = await createLocalApp(options);
Deno.serve({
  port: options.port,
  hostname: options.hostname,
  onListen: ({ port }) => console.log(`cerberus-edge (deno) on http://${options.hostname}:${port} serving ${options.modelDir}`),
}, app.fetch);
