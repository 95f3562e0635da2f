/** Tenant store in process memory, for the Node and Deno entries (one process, nothing persisted). */
import { applyConfigPatch, type TenantConfigPatch } from './config';
import { admitRequest, type RateWindow } from './rate-window';
import { overLimit, SESSION_IDLE_TTL_MS, type SessionRegistration } from './session-registry';
import type { Authentication, ConfigUpdate, NewTenant, Tenant, TenantStore } from './store';
import { addUsage, EMPTY_USAGE, type TurnUsage, type UsageTotals } from './usage';

export class MemoryTenantStore implements TenantStore {
  readonly #tenants = new Map<string, Tenant>();
  readonly #idByKeyHash = new Map<string, string>();
  readonly #windows = new Map<string, RateWindow>();
  readonly #usage = new Map<string, UsageTotals>();
  /** Per tenant: session id → last used (ms), oldest first (re-inserted on use). */
  readonly #sessions = new Map<string, Map<string, number>>();

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
    this.#sessions.delete(id);
    return true;
  }

  #forgetKeys(id: string): void {
    for (const [hash, owner] of this.#idByKeyHash) if (owner === id) this.#idByKeyHash.delete(hash);
  }

  async openSession(tenantId: string, sessionId: string, nowMs: number): Promise<SessionRegistration> {
    const tenant = this.#tenants.get(tenantId);
    if (tenant === undefined) return { forget: [] };
    const sessions = this.#sessions.get(tenantId) ?? new Map<string, number>();
    this.#sessions.set(tenantId, sessions);
    for (const [id, lastUsed] of sessions) {
      if (lastUsed > nowMs - SESSION_IDLE_TTL_MS) break;
      sessions.delete(id); // expired; the map is oldest first
    }
    sessions.delete(sessionId);
    sessions.set(sessionId, nowMs);
    const forget = overLimit([...sessions.keys()], tenant.config.max_sessions);
    for (const id of forget) sessions.delete(id);
    return { forget };
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
