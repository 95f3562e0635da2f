import { cors } from 'hono/cors';

/**
 * CORS for the tenant API (`/v1`), so browser apps can call it with a tenant key. Any origin: requests are
 * authorised by the Bearer key, never by cookies, so an origin gains nothing a key would not give it. The
 * preflight is answered before authentication (browsers send it without the key); error responses carry
 * the headers too, so a browser client can read why it failed. The admin API gets none: it is for servers.
 * Request headers: whatever the preflight asks for is allowed (hono reflects Access-Control-Request-Headers).
 * A fixed list breaks real clients — the openai SDK sends x-stainless-* headers, and each release may add
 * one — and allowing a header grants nothing: only the Bearer key authorises.
 */
export function tenantApiCors() {
  return cors({
    origin: '*',
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: [],
    exposeHeaders: ['x-session-id', 'retry-after'],
    maxAge: 86_400,
  });
}
