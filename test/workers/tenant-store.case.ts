/** One contract for every TenantStore: run against TenantsDO and the in-memory store. */
import { expect, it } from 'vitest';
import { DEFAULT_TENANT_CONFIG } from '../../workers/tenants/config';
import { hashApiKey, newApiKey, newTenantId } from '../../workers/tenants/keys';
import type { TenantStore } from '../../workers/tenants/store';
import { SESSION_IDLE_TTL_MS } from '../../workers/tenants/session-registry';
import { EMPTY_USAGE, type TurnUsage } from '../../workers/tenants/usage';

const USAGE: TurnUsage = {
  prompt_tokens: 10, cached_tokens: 4, completion_tokens: 20, steps: 8, ar_steps: 3,
  parallel_steps: 5, zero_accept_steps: 1, accepted_extra_tokens: 12, wall_ms: 250,
};

async function newTenant(store: TenantStore, limit = 100) {
  const key = newApiKey();
  const keyHash = await hashApiKey(key);
  const tenant = await store.create({ id: newTenantId(), name: 'case', keyHash, config: { ...DEFAULT_TENANT_CONFIG, rate_limit_per_minute: limit } });
  return { tenant, keyHash };
}

export function tenantStoreContract(makeStore: () => TenantStore): void {
  it('finds a tenant by key hash and by id', async () => {
    const store = makeStore();
    const { tenant, keyHash } = await newTenant(store);
    expect(await store.authenticate(keyHash, 0)).toEqual({ kind: 'ok', tenant });
    expect(await store.get(tenant.id)).toEqual(tenant);
    expect(await store.authenticate(await hashApiKey('sk-ce-unknown'), 0)).toEqual({ kind: 'unknown_key' });
    expect(await store.get('t_missing')).toBeNull();
  });

  it('admits rate_limit_per_minute requests in any sliding minute, then says when to retry', async () => {
    const store = makeStore();
    const { keyHash } = await newTenant(store, 2);
    const minute = 60_000 * 1000;
    expect((await store.authenticate(keyHash, minute + 1_000)).kind).toBe('ok');
    expect((await store.authenticate(keyHash, minute + 2_000)).kind).toBe('ok');
    expect(await store.authenticate(keyHash, minute + 45_500)).toEqual({ kind: 'rate_limited', retryAfterSeconds: 15 });
    // A new fixed window does not reset the count: the last minute still holds both requests.
    expect(await store.authenticate(keyHash, minute + 60_000)).toEqual({ kind: 'rate_limited', retryAfterSeconds: 30 });
    expect((await store.authenticate(keyHash, minute + 90_000)).kind).toBe('ok');
  });

  it('lets no more than the limit through across a window boundary (a fixed window let twice through)', async () => {
    const store = makeStore();
    const { keyHash } = await newTenant(store, 10);
    const minute = 60_000 * 2000;
    let admitted = 0;
    // 40 requests in the two seconds around the boundary.
    for (let i = 0; i < 40; i++) if ((await store.authenticate(keyHash, minute + 59_000 + i * 50)).kind === 'ok') admitted++;
    expect(admitted).toBe(10);
  });

  it('lists, rotates keys and deletes: an old or deleted key fails on the very next lookup', async () => {
    const store = makeStore();
    const { tenant, keyHash } = await newTenant(store);
    const { tenant: other } = await newTenant(store);
    expect((await store.list()).map((t) => t.id)).toEqual(expect.arrayContaining([tenant.id, other.id]));
    const newHash = await hashApiKey(newApiKey());
    expect(await store.rotateKey(tenant.id, newHash)).toEqual(tenant);
    expect(await store.authenticate(keyHash, 0)).toEqual({ kind: 'unknown_key' });
    expect((await store.authenticate(newHash, 0)).kind).toBe('ok');
    expect(await store.rotateKey('t_missing', newHash)).toBeNull();
    expect(await store.delete(tenant.id)).toBe(true);
    expect(await store.authenticate(newHash, 0)).toEqual({ kind: 'unknown_key' });
    expect(await store.get(tenant.id)).toBeNull();
    expect((await store.list()).map((t) => t.id)).not.toContain(tenant.id);
    expect(await store.delete(tenant.id)).toBe(false);
    expect((await store.get(other.id))?.id).toBe(other.id);
  });

  it('merges config patches and refuses invalid ones without changing anything', async () => {
    const store = makeStore();
    const { tenant } = await newTenant(store);
    const updated = await store.updateConfig(tenant.id, { gate: { threshold: 3 }, tree_budget: 8 });
    expect(updated).toMatchObject({ kind: 'ok', tenant: { config: { tree_budget: 8, gate: { threshold: 3, mode: 'adaptive' } } } });
    const invalid = await store.updateConfig(tenant.id, { gate: { max: 1 } });
    expect(invalid).toMatchObject({ kind: 'invalid', param: 'gate' });
    expect((await store.get(tenant.id))?.config.gate.max).toBe(DEFAULT_TENANT_CONFIG.gate.max);
    expect(await store.updateConfig('t_missing', {})).toEqual({ kind: 'not_found' });
  });

  it('holds at most max_sessions conversations per tenant: past it, the least recently used are to be forgotten', async () => {
    const store = makeStore();
    const { tenant } = await newTenant(store);
    await store.updateConfig(tenant.id, { max_sessions: 2 });
    const { tenant: other } = await newTenant(store);
    const t0 = 1_000_000;
    expect(await store.openSession(tenant.id, 's1', t0)).toEqual({ forget: [] });
    expect(await store.openSession(tenant.id, 's2', t0 + 1_000)).toEqual({ forget: [] });
    expect(await store.openSession(tenant.id, 's1', t0 + 2_000)).toEqual({ forget: [] }); // known: continues, now the newest
    expect(await store.openSession(tenant.id, 's3', t0 + 3_000)).toEqual({ forget: ['s2'] }); // s2 is the least recent
    expect(await store.openSession(other.id, 's2', t0 + 3_000)).toEqual({ forget: [] }); // other tenants unaffected
    // s2 was forgotten: coming back it is new again, and s1 is now the least recent.
    expect(await store.openSession(tenant.id, 's2', t0 + 4_000)).toEqual({ forget: ['s1'] });
    // Sessions idle for the TTL no longer count.
    expect(await store.openSession(tenant.id, 's4', t0 + 4_000 + SESSION_IDLE_TTL_MS)).toEqual({ forget: [] });
    expect(await store.delete(tenant.id)).toBe(true);
  });

  it('adds usage up per tenant', async () => {
    const store = makeStore();
    const { tenant: a } = await newTenant(store);
    const { tenant: b } = await newTenant(store);
    await store.recordUsage(a.id, USAGE);
    await store.recordUsage(a.id, USAGE);
    expect(await store.usage(a.id)).toEqual({ ...USAGE, requests: 2, completion_tokens: 40, prompt_tokens: 20, cached_tokens: 8,
      steps: 16, ar_steps: 6, parallel_steps: 10, zero_accept_steps: 2, accepted_extra_tokens: 24, wall_ms: 500 });
    expect(await store.usage(b.id)).toEqual(EMPTY_USAGE);
  });
}
