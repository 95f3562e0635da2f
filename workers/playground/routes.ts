/** GET /: the playground page (workers/playground/page.ts). No key needed to load it; it asks for one. */
import { Hono } from 'hono';
import { PLAYGROUND_HTML } from './page';

// The page's script and style are inline and it talks only to this origin; nothing else may load or run.
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function playgroundRoutes() {
  return new Hono().get('/', (c) =>
    c.html(PLAYGROUND_HTML, 200, {
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    }),
  );
}
