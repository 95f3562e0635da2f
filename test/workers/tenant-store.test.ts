import { env } from 'cloudflare:test';
import { describe } from 'vitest';
import { durableTenantStore } from '../../workers/cloudflare/stores';
import { MemoryTenantStore } from '../../workers/tenants/memory-store';
import { tenantStoreContract } from './tenant-store.case';

describe('TenantsDO (SQLite, through RPC)', () => tenantStoreContract(() => durableTenantStore(env.TENANTS)));
describe('MemoryTenantStore', () => tenantStoreContract(() => new MemoryTenantStore()));
