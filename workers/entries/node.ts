/** Node entry: the shared app on @hono/node-server, stores in memory, the model read from disk. */
import { serve } from '@hono/node-server';
import { createLocalApp, serveOptions } from './local-app';
import { closeAfterUnreadBody } from './unread-body';

const options = serveOptions((name) => process.env[name], process.argv.includes('--dev'));
const app = await createLocalApp(options);
const server = serve({ fetch: closeAfterUnreadBody(app.fetch), port: options.port, hostname: options.hostname }, (info) => {
  console.log(`cerberus-edge (node) on http://${options.hostname}:${info.port} serving ${options.modelDir}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
