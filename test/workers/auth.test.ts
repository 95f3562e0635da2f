import { describe, expect, it } from 'vitest';
import { WINDOW_MS } from '../../workers/tenants/rate-window';
import { call, createTenant, DEV_KEY, errorOf } from './support/http';

describe('tenant authentication', () => {
  it('answers 401 without a key and with an unknown key', async () => {
    const none = await call('/v1/tenant');
    expect(none.status).toBe(401);
    expect(await errorOf(none)).toMatchObject({ type: 'authentication_error', code: 'missing_api_key', param: null });

    const unknown = await call('/v1/tenant', { key: 'sk-ce-not-a-key' });
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe('invalid_api_key');
  });

  it('knows the local dev tenant seeded from DEV_API_KEY', async () => {
    const response = await call('/v1/tenant', { key: DEV_KEY });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 'dev', config: { head_kind: 'cerberus' } });
  });

  it('shows each tenant its own configuration only', async () => {
    const a = await createTenant('a', { max_tokens: 11 });
    const b = await createTenant('b', { max_tokens: 22 });
    const readA = (await (await call('/v1/tenant', { key: a.api_key })).json()) as { id: string; config: { max_tokens: number } };
    const readB = (await (await call('/v1/tenant', { key: b.api_key })).json()) as { id: string; config: { max_tokens: number } };
    expect([readA.id, readA.config.max_tokens]).toEqual([a.id, 11]);
    expect([readB.id, readB.config.max_tokens]).toEqual([b.id, 22]);
    // A tenant key is no admin credential: it cannot read or change another tenant.
    expect((await call(`/admin/tenants/${b.id}`, { key: a.api_key })).status).toBe(403);
    const patch = await call(`/admin/tenants/${b.id}`, { method: 'PATCH', key: a.api_key, body: { config: { max_tokens: 1 } } });
    expect(patch.status).toBe(403);
    const after = (await (await call('/v1/tenant', { key: b.api_key })).json()) as { config: { max_tokens: number } };
    expect(after.config.max_tokens).toBe(22);
  });

  it('answers 429 with Retry-After past the per-minute limit, per tenant', async () => {
    const limited = await createTenant('limited', { rate_limit_per_minute: 2 });
    const other = await createTenant('other', { rate_limit_per_minute: 2 });
    // The limit counts fixed minute windows: retry once if the three calls straddled a window edge.
    for (let attempt = 0; attempt < 2; attempt++) {
      const window = Math.floor(Date.now() / WINDOW_MS);
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) {
        last = await call('/v1/tenant', { key: limited.api_key });
        statuses.push(last.status);
        if (i < 2) await last.body?.cancel();
      }
      if (Math.floor(Date.now() / WINDOW_MS) !== window) continue;
      expect(statuses).toEqual([200, 200, 429]);
      const retryAfter = Number(last?.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await errorOf(last!)).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
      // Another tenant's quota is untouched.
      expect((await call('/v1/tenant', { key: other.api_key })).status).toBe(200);
      return;
    }
    throw new Error('every attempt straddled a minute boundary');
  });
});
