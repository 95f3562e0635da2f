import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { durableTenantStore, TENANTS_OBJECT_NAME } from '../../workers/cloudflare/stores';
import { RATE_WINDOW_FLUSH_MS } from '../../workers/cloudflare/tenants-do';
import { DEFAULT_TENANT_CONFIG } from '../../workers/tenants/config';
import { hashApiKey, newApiKey, newTenantId } from '../../workers/tenants/keys';
import { MemoryTenantStore } from '../../workers/tenants/memory-store';
import { tenantStoreContract } from './tenant-store.case';

describe('TenantsDO (SQLite, through RPC)', () => tenantStoreContract(() => durableTenantStore(env.TENANTS)));
describe('MemoryTenantStore', () => tenantStoreContract(() => new MemoryTenantStore()));

describe('TenantsDO rate windows', () => {
  const stub = () => env.TENANTS.get(env.TENANTS.idFromName(TENANTS_OBJECT_NAME));
  const storedCount = (tenantId: string) =>
    runInDurableObject(stub(), (_instance, state) =>
      state.storage.sql.exec<{ count: number }>('SELECT count FROM rate_windows WHERE tenant_id = ?', tenantId).toArray()[0]?.count ?? null,
    );

  // Counted in memory, written behind in one transaction (a commit per request was an fsync each on
  // workerd's thread locally); a restarted object continues from what was written.
  it('writes the counts behind, within RATE_WINDOW_FLUSH_MS, and a restarted object continues from them', async () => {
    const store = durableTenantStore(env.TENANTS);
    const keyHash = await hashApiKey(newApiKey());
    const tenant = await store.create({ id: newTenantId(), name: 'window', keyHash, config: { ...DEFAULT_TENANT_CONFIG, rate_limit_per_minute: 3 } });
    const minute = 120_000_000;
    expect((await store.authenticate(keyHash, minute)).kind).toBe('ok');
    expect((await store.authenticate(keyHash, minute + 1)).kind).toBe('ok');
    expect(await storedCount(tenant.id)).toBeNull(); // not yet written: decided from memory
    await new Promise((r) => setTimeout(r, RATE_WINDOW_FLUSH_MS + 200));
    expect(await storedCount(tenant.id)).toBe(2);
    await runInDurableObject(stub(), (_instance, state) => state.abort('restarted by the test')).catch(() => undefined);
    expect((await store.authenticate(keyHash, minute + 2)).kind).toBe('ok');
    expect(await store.authenticate(keyHash, minute + 3)).toEqual({ kind: 'rate_limited', retryAfterSeconds: 60 });
  });
});
