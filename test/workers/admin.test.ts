import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TENANTS_OBJECT_NAME } from '../../workers/cloudflare/stores';
import { ADMIN, call, createTenant, DEV_KEY, errorOf } from './support/http';

describe('admin API', () => {
  it('creates a tenant with defaults and the given config, returning its key once', async () => {
    const created = await createTenant('acme', { max_tokens: 64, gate: { mode: 'fixed', threshold: 1.5 } });
    expect(created.id).toMatch(/^t_[0-9a-f]{16}$/);
    expect(created.api_key).toMatch(/^sk-ce-/);
    expect(created.config).toMatchObject({ max_tokens: 64, head_kind: 'cerberus', gate: { mode: 'fixed', threshold: 1.5, min: 0.5 } });

    const read = await call(`/admin/tenants/${created.id}`, { key: ADMIN });
    expect(read.status).toBe(200);
    const body = (await read.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id: created.id, name: 'acme', config: created.config });
    expect(body).not.toHaveProperty('api_key');
  });

  it('stores only the SHA-256 of the key', async () => {
    const created = await createTenant('hashed');
    const stub = env.TENANTS.get(env.TENANTS.idFromName(TENANTS_OBJECT_NAME));
    const stored = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec('SELECT key_hash FROM tenants WHERE id = ?', created.id).one(),
    );
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(created.api_key)));
    expect(stored['key_hash']).toBe(Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''));
    const dump = await runInDurableObject(stub, (_instance, state) =>
      JSON.stringify(state.storage.sql.exec('SELECT * FROM tenants').toArray()),
    );
    expect(dump).not.toContain(created.api_key);
  });

  it('updates config by merging the patch, and rejects a patch that breaks the bounds', async () => {
    const created = await createTenant('patchy');
    const patched = await call(`/admin/tenants/${created.id}`, {
      method: 'PATCH',
      key: ADMIN,
      body: { config: { gate: { exploration_rate: 0.2 }, rate_limit_per_minute: 5 } },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ config: { gate: { exploration_rate: 0.2, mode: 'adaptive' }, rate_limit_per_minute: 5 } });

    const invalid = await call(`/admin/tenants/${created.id}`, { method: 'PATCH', key: ADMIN, body: { config: { gate: { threshold: 99 } } } });
    expect(invalid.status).toBe(400);
    expect((await errorOf(invalid)).param).toBe('config.gate.threshold');

    const outOfBounds = await call(`/admin/tenants/${created.id}`, { method: 'PATCH', key: ADMIN, body: { config: { gate: { min: 5, threshold: 1 } } } });
    expect(outOfBounds.status).toBe(400);
    expect((await errorOf(outOfBounds)).code).toBe('invalid_config');
  });

  it('answers 404 for an unknown tenant', async () => {
    const response = await call('/admin/tenants/t_0000000000000000', { key: ADMIN });
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: 'tenant_not_found', type: 'not_found_error' });
  });

  it('answers 401 without credentials and 403 to a tenant key or a wrong secret', async () => {
    const none = await call('/admin/tenants', { body: { name: 'x' } });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await errorOf(none)).toMatchObject({ type: 'authentication_error', code: 'missing_api_key' });

    const tenantKey = await call('/admin/tenants', { key: DEV_KEY, body: { name: 'x' } });
    expect(tenantKey.status).toBe(403);
    expect(await errorOf(tenantKey)).toMatchObject({ type: 'permission_error', code: 'not_admin' });

    const wrong = await call('/admin/tenants/dev', { key: `${ADMIN}x` });
    expect(wrong.status).toBe(403);
  });
});
