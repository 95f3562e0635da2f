/** Browser apps calling the tenant API: CORS on /v1, answered before authentication; none on /admin. */
import { describe, expect, it } from 'vitest';
import { call, DEV_KEY } from './support/http';

const APP = 'https://app.example';
const preflight = (path: string) =>
  call(path, {
    method: 'OPTIONS',
    headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });

describe('CORS', () => {
  it('answers a preflight on the tenant API without a key', async () => {
    const response = await preflight('/v1/chat/completions');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('lets a browser read answers and errors, and the session id', async () => {
    const ok = await call('/v1/tenant', { key: DEV_KEY, headers: { origin: APP } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    expect(ok.headers.get('access-control-expose-headers')).toContain('x-session-id');
    const denied = await call('/v1/tenant', { headers: { origin: APP } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('gives the admin API no CORS headers', async () => {
    const response = await preflight('/admin/tenants');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
