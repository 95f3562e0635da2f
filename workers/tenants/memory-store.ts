/** Tenant store in process memory, for the Node and Deno entries (one process, nothing persisted). */
import { applyConfigPatch, type TenantConfigPatch } from './config';
import { admitRequest, type RateWindow } from './rate-window';
import type { Authentication, ConfigUpdate, NewTenant, Tenant, TenantStore } from './store';
import { addUsage, EMPTY_USAGE, type TurnUsage, type UsageTotals } from './usage';

export class MemoryTenantStore implements TenantStore {
  readonly #tenants = new Map<string, Tenant>();
  readonly #idByKeyHash = new Map<string, string>();
  readonly #windows = new Map<string, RateWindow>();
  readonly #usage = new Map<string, UsageTotals>();

  constructor(seed: readonly NewTenant[] = []) {
    for (const tenant of seed) this.#insert(tenant, Date.now());
  }

  async authenticate(keyHash: string, nowMs: number): Promise<Authentication> {
    const id = this.#idByKeyHash.get(keyHash);
    const tenant = id === undefined ? undefined : this.#tenants.get(id);
    if (tenant === undefined) return { kind: 'unknown_key' };
    const decision = admitRequest(this.#windows.get(tenant.id) ?? null, nowMs, tenant.config.rate_limit_per_minute);
    if (!decision.allowed) return { kind: 'rate_limited', retryAfterSeconds: decision.retryAfterSeconds };
    this.#windows.set(tenant.id, decision.window);
    return { kind: 'ok', tenant };
  }

  async create(tenant: NewTenant): Promise<Tenant> {
    if (this.#idByKeyHash.has(tenant.keyHash) || this.#tenants.has(tenant.id)) {
      throw new Error(`tenant ${tenant.id} or its key already exists`);
    }
    return this.#insert(tenant, Date.now());
  }

  async get(id: string): Promise<Tenant | null> {
    return this.#tenants.get(id) ?? null;
  }

  async updateConfig(id: string, patch: TenantConfigPatch): Promise<ConfigUpdate> {
    const tenant = this.#tenants.get(id);
    if (tenant === undefined) return { kind: 'not_found' };
    const result = applyConfigPatch(tenant.config, patch);
    if (!result.ok) return { kind: 'invalid', message: result.message, param: result.param };
    const updated = { ...tenant, config: result.config };
    this.#tenants.set(id, updated);
    return { kind: 'ok', tenant: updated };
  }

  async list(): Promise<Tenant[]> {
    return [...this.#tenants.values()];
  }

  async rotateKey(id: string, keyHash: string): Promise<Tenant | null> {
    const tenant = this.#tenants.get(id);
    if (tenant === undefined) return null;
    this.#forgetKeys(id);
    this.#idByKeyHash.set(keyHash, id);
    return tenant;
  }

  async delete(id: string): Promise<boolean> {
    if (!this.#tenants.delete(id)) return false;
    this.#forgetKeys(id);
    this.#windows.delete(id);
    this.#usage.delete(id);
    return true;
  }

  #forgetKeys(id: string): void {
    for (const [hash, owner] of this.#idByKeyHash) if (owner === id) this.#idByKeyHash.delete(hash);
  }

  async recordUsage(tenantId: string, usage: TurnUsage): Promise<void> {
    this.#usage.set(tenantId, addUsage(this.#usage.get(tenantId) ?? EMPTY_USAGE, usage));
  }

  async usage(tenantId: string): Promise<UsageTotals> {
    return this.#usage.get(tenantId) ?? EMPTY_USAGE;
  }

  #insert(tenant: NewTenant, nowMs: number): Tenant {
    const stored: Tenant = { id: tenant.id, name: tenant.name, config: tenant.config, created_at: Math.floor(nowMs / 1000) };
    this.#tenants.set(tenant.id, stored);
    this.#idByKeyHash.set(tenant.keyHash, tenant.id);
    return stored;
  }
}
