/**
 * The tenant directory on Workers: one global Durable Object with SQLite. Strongly consistent, so a key
 * revoked or a limit lowered applies to the very next request, and the rate-limit count and the key
 * lookup are one atomic RPC (see README, "Tenant store").
 */
import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import { jsonColumn, selectOne, selectRows } from './sql-rows';
import { applyConfigPatch, DEFAULT_TENANT_CONFIG, tenantConfigSchema, type TenantConfigPatch } from '../tenants/config';
import { DEV_TENANT_ID, hashApiKey } from '../tenants/keys';
import { admitRequest, type RateWindow } from '../tenants/rate-window';
import type { Authentication, ConfigUpdate, NewTenant, Tenant } from '../tenants/store';
import { overLimit, SESSION_IDLE_TTL_MS, type SessionRegistration } from '../tenants/session-registry';
import { addUsage, EMPTY_USAGE, turnUsageSchema, usageTotalsSchema, type TurnUsage, type UsageTotals } from '../tenants/usage';

const tenantRow = z.object({
  id: z.string(),
  name: z.string(),
  config: jsonColumn(tenantConfigSchema),
  created_at: z.number(),
});
const windowRow = z.object({ window_start: z.number(), count: z.number(), previous_count: z.number() });
const usageRow = z.object({ totals: jsonColumn(usageTotalsSchema) });
const sessionRow = z.object({ session_id: z.string() });

const TENANT_COLUMNS = 'id, name, config, created_at';

/** How long a counted request may stay only in memory before its rate window is written (see authenticate). */
export const RATE_WINDOW_FLUSH_MS = 1_000;

export class TenantsDO extends DurableObject<Env> {
  /** Rate windows as counted, by tenant id: this object is their one authority while it lives. */
  readonly #windows = new Map<string, RateWindow>();
  /** Tenants whose window in memory is ahead of SQLite. */
  readonly #unwritten = new Set<string>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#createSchema();
      await this.#seedDevTenant();
    });
  }

  /**
   * The key's tenant, with the request counted into its rate window. The count is decided in memory and
   * written behind, at most RATE_WINDOW_FLUSH_MS later, all tenants in one transaction: under local
   * workerd every commit is an fsync on the isolate's thread (3-4 ms here), and one per request made a
   * burst of 200 requests stall everything else for seconds (docs/load.md). A crash can therefore forget
   * up to that last second of counts, letting that many requests more through in the window.
   */
  authenticate(keyHash: string, nowMs: number): Authentication {
    const tenant = this.#selectTenant('key_hash = ?', keyHash);
    if (tenant === null) return { kind: 'unknown_key' };
    const decision = admitRequest(this.#windowOf(tenant.id), nowMs, tenant.config.rate_limit_per_minute);
    if (!decision.allowed) return { kind: 'rate_limited', retryAfterSeconds: decision.retryAfterSeconds };
    this.#windows.set(tenant.id, decision.window);
    this.#unwritten.add(tenant.id);
    this.#flushTimer ??= setTimeout(() => this.#writeWindows(), RATE_WINDOW_FLUSH_MS);
    return { kind: 'ok', tenant };
  }

  #windowOf(tenantId: string): RateWindow | null {
    const known = this.#windows.get(tenantId);
    if (known !== undefined) return known;
    const row = selectOne(this.ctx.storage.sql, windowRow, 'SELECT window_start, count, previous_count FROM rate_windows WHERE tenant_id = ?', tenantId);
    return row && { start: row.window_start, count: row.count, previous: row.previous_count };
  }

  #writeWindows(): void {
    this.#flushTimer = undefined;
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const id of this.#unwritten) {
        const window = this.#windows.get(id);
        if (window === undefined) continue;
        sql.exec(
          'INSERT INTO rate_windows (tenant_id, window_start, count, previous_count) VALUES (?, ?, ?, ?) ' +
            'ON CONFLICT(tenant_id) DO UPDATE SET window_start = excluded.window_start, count = excluded.count, ' +
            'previous_count = excluded.previous_count',
          id,
          window.start,
          window.count,
          window.previous,
        );
      }
    });
    this.#unwritten.clear();
  }

  create(tenant: NewTenant): Tenant {
    this.ctx.storage.sql.exec(
      'INSERT INTO tenants (id, name, key_hash, config, created_at) VALUES (?, ?, ?, ?, ?)',
      tenant.id,
      tenant.name,
      tenant.keyHash,
      JSON.stringify(tenantConfigSchema.parse(tenant.config)),
      Math.floor(Date.now() / 1000),
    );
    return this.#mustSelect(tenant.id);
  }

  get(id: string): Tenant | null {
    return this.#selectTenant('id = ?', id);
  }

  updateConfig(id: string, patch: TenantConfigPatch): ConfigUpdate {
    const tenant = this.get(id);
    if (tenant === null) return { kind: 'not_found' };
    const result = applyConfigPatch(tenant.config, patch);
    if (!result.ok) return { kind: 'invalid', message: result.message, param: result.param };
    this.ctx.storage.sql.exec('UPDATE tenants SET config = ? WHERE id = ?', JSON.stringify(result.config), id);
    return { kind: 'ok', tenant: this.#mustSelect(id) };
  }

  list(): Tenant[] {
    return selectRows(this.ctx.storage.sql, tenantRow, `SELECT ${TENANT_COLUMNS} FROM tenants ORDER BY created_at, id`);
  }

  rotateKey(id: string, keyHash: string): Tenant | null {
    this.ctx.storage.sql.exec('UPDATE tenants SET key_hash = ? WHERE id = ?', keyHash, id);
    return this.get(id);
  }

  delete(id: string): boolean {
    if (this.get(id) === null) return false;
    this.#windows.delete(id);
    this.#unwritten.delete(id);
    this.ctx.storage.transactionSync(() => {
      const sql = this.ctx.storage.sql;
      sql.exec('DELETE FROM tenants WHERE id = ?', id);
      sql.exec('DELETE FROM rate_windows WHERE tenant_id = ?', id);
      sql.exec('DELETE FROM usage WHERE tenant_id = ?', id);
      sql.exec('DELETE FROM tenant_sessions WHERE tenant_id = ?', id);
    });
    return true;
  }

  openSession(tenantId: string, sessionId: string, nowMs: number): SessionRegistration {
    const tenant = this.get(tenantId);
    if (tenant === null) return { forget: [] };
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      sql.exec('DELETE FROM tenant_sessions WHERE tenant_id = ? AND last_used <= ?', tenantId, nowMs - SESSION_IDLE_TTL_MS);
      sql.exec(
        'INSERT INTO tenant_sessions (tenant_id, session_id, last_used) VALUES (?, ?, ?) ' +
          'ON CONFLICT(tenant_id, session_id) DO UPDATE SET last_used = excluded.last_used',
        tenantId,
        sessionId,
        nowMs,
      );
      // Oldest first; the session just used is the newest (ties: the one just written goes last).
      const live = selectRows(sql, sessionRow, 'SELECT session_id FROM tenant_sessions WHERE tenant_id = ? ORDER BY last_used, session_id = ?, rowid', tenantId, sessionId);
      const forget = overLimit(live.map((r) => r.session_id), tenant.config.max_sessions);
      for (const id of forget) sql.exec('DELETE FROM tenant_sessions WHERE tenant_id = ? AND session_id = ?', tenantId, id);
      return { forget };
    });
  }

  recordUsage(tenantId: string, usage: TurnUsage): void {
    const totals = addUsage(this.usage(tenantId), turnUsageSchema.parse(usage));
    this.ctx.storage.sql.exec(
      'INSERT INTO usage (tenant_id, totals) VALUES (?, ?) ON CONFLICT(tenant_id) DO UPDATE SET totals = excluded.totals',
      tenantId,
      JSON.stringify(totals),
    );
  }

  usage(tenantId: string): UsageTotals {
    return selectOne(this.ctx.storage.sql, usageRow, 'SELECT totals FROM usage WHERE tenant_id = ?', tenantId)?.totals ?? EMPTY_USAGE;
  }

  #selectTenant(where: 'id = ?' | 'key_hash = ?', value: string): Tenant | null {
    return selectOne(this.ctx.storage.sql, tenantRow, `SELECT ${TENANT_COLUMNS} FROM tenants WHERE ${where}`, value);
  }

  #mustSelect(id: string): Tenant {
    const tenant = this.get(id);
    if (tenant === null) throw new Error(`tenant ${id} vanished right after it was written`);
    return tenant;
  }

  #createSchema(): void {
    const sql = this.ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS tenants (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
      config TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS rate_windows (
      tenant_id TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL,
      previous_count INTEGER NOT NULL DEFAULT 0)`);
    // Tables made before the sliding window lack the column.
    const columns = sql.exec('PRAGMA table_info(rate_windows)').toArray();
    if (!columns.some((c) => c['name'] === 'previous_count')) {
      sql.exec('ALTER TABLE rate_windows ADD COLUMN previous_count INTEGER NOT NULL DEFAULT 0');
    }
    sql.exec('CREATE TABLE IF NOT EXISTS usage (tenant_id TEXT PRIMARY KEY, totals TEXT NOT NULL)');
    sql.exec(`CREATE TABLE IF NOT EXISTS tenant_sessions (
      tenant_id TEXT NOT NULL, session_id TEXT NOT NULL, last_used INTEGER NOT NULL,
      PRIMARY KEY (tenant_id, session_id))`);
  }

  /** Local development's documented tenant: follows DEV_API_KEY when it changes, absent when it is unset. */
  async #seedDevTenant(): Promise<void> {
    const devKey = this.env.DEV_API_KEY;
    if (!devKey) return;
    this.ctx.storage.sql.exec(
      'INSERT INTO tenants (id, name, key_hash, config, created_at) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT(id) DO UPDATE SET key_hash = excluded.key_hash',
      DEV_TENANT_ID,
      'Local development',
      await hashApiKey(devKey),
      JSON.stringify(DEFAULT_TENANT_CONFIG),
      Math.floor(Date.now() / 1000),
    );
  }
}
