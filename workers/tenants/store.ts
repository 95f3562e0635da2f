/** The tenant directory port: Workers use TenantsDO, Node and Deno the in-memory store. */
import type { TenantConfig, TenantConfigPatch } from './config';
import type { SessionRegistration } from './session-registry';
import type { TurnUsage, UsageTotals } from './usage';

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly config: TenantConfig;
  /** Unix seconds, like OpenAI's `created`. */
  readonly created_at: number;
}

/** A tenant as the API shows it (never with a key: only its hash is stored, and not shown). */
export const tenantView = (tenant: Tenant) => ({
  object: 'tenant',
  id: tenant.id,
  name: tenant.name,
  config: tenant.config,
  created_at: tenant.created_at,
});

export interface NewTenant {
  readonly id: string;
  readonly name: string;
  readonly keyHash: string;
  readonly config: TenantConfig;
}

export type Authentication =
  | { readonly kind: 'ok'; readonly tenant: Tenant }
  | { readonly kind: 'unknown_key' }
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number };

export type ConfigUpdate =
  | { readonly kind: 'ok'; readonly tenant: Tenant }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'invalid'; readonly message: string; readonly param: string | null };

export interface TenantStore {
  /** Finds the tenant owning the key and counts the request against its rate limit, in one step. */
  authenticate(keyHash: string, nowMs: number): Promise<Authentication>;
  create(tenant: NewTenant): Promise<Tenant>;
  get(id: string): Promise<Tenant | null>;
  /** Applies the patch atomically: concurrent updates never lose each other's fields. */
  updateConfig(id: string, patch: TenantConfigPatch): Promise<ConfigUpdate>;
  /** Every tenant, oldest first. */
  list(): Promise<Tenant[]>;
  /** Replaces the tenant's key: the old key fails from the very next request. Null: no such tenant. */
  rotateKey(id: string, keyHash: string): Promise<Tenant | null>;
  /** Deletes the tenant, its key, rate window and usage; false when there was none. */
  delete(id: string): Promise<boolean>;
  /**
   * Registers a turn on `sessionId` (new, or live again: its idle clock restarts), counting only sessions
   * used within SESSION_IDLE_TTL_MS, and says which of the tenant's sessions are now beyond its
   * max_sessions (least recently used first; no longer registered): the caller forgets them.
   */
  openSession(tenantId: string, sessionId: string, nowMs: number): Promise<SessionRegistration>;
  recordUsage(tenantId: string, usage: TurnUsage): Promise<void>;
  usage(tenantId: string): Promise<UsageTotals>;
}
