/**
 * One conversation on Workers. Memory holds the engine session (the KV cache); SQLite holds the token
 * context, the gate state and a record per turn, so an evicted or restarted object rebuilds its cache
 * from storage on the next turn. Idle sessions delete themselves after SESSION_IDLE_TTL_MS, the idle time after
 * which the tenant store stops counting them against the tenant's max_sessions.
 */
import { DurableObject } from 'cloudflare:workers';
import { workerModel } from './worker-model';
import { Conversation } from '../sessions/conversation';
import { encodeEvents } from '../sessions/event-codec';
import { budgetFromMb, type KvBudget } from '../sessions/kv-budget';
import { SqliteConversationLog } from './sqlite-log';
import type { TurnRequest } from '../sessions/turn';
import type { ErrorInfo } from '../api-error';
import { restoreLearnedState, type LearnedState } from '../engine';
import { SESSION_IDLE_TTL_MS } from '../tenants/session-registry';

/** One budget for every SessionDO of this isolate: they share its memory (and its model). */
let isolateBudget: KvBudget | undefined;
const DEFAULT_KV_BUDGET_MB = 48;

/**
 * Over RPC the events travel as NDJSON bytes (RPC streams carry bytes only). A caller's cancel of `body`
 * does not reach this object (checked in workerd 2026-04), so the caller cancels by `cancelTurn(turnId)`.
 */
export type RpcTurnStart =
  | { readonly ok: true; readonly turnId: string; readonly body: ReadableStream<Uint8Array> }
  | { readonly ok: false; readonly error: ErrorInfo };

export class SessionDO extends DurableObject<Env> {
  readonly #log: SqliteConversationLog;
  #conversation: Conversation;
  #current: { readonly turnId: string; readonly cancel: () => Promise<void> } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#log = new SqliteConversationLog(ctx.storage);
    void ctx.blockConcurrencyWhile(async () => this.#log.createSchema());
    this.#conversation = this.#newConversation();
  }

  async startTurn(turn: TurnRequest): Promise<RpcTurnStart> {
    const started = await this.#conversation.startTurn(turn);
    if (!started.ok) return started;
    const turnId = crypto.randomUUID();
    this.#current = { turnId, cancel: started.cancel };
    // Armed once, not per turn (every storage write is an fsync on the isolate's thread under local
    // workerd): the alarm measures the idle time from the last turn when it fires.
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SESSION_IDLE_TTL_MS);
    return { ok: true, turnId, body: started.events.pipeThrough(encodeEvents()) };
  }

  /** Stops the turn `turnId` if it is still running; it keeps the tokens emitted so far. */
  async cancelTurn(turnId: string): Promise<void> {
    if (this.#current?.turnId === turnId) await this.#current.cancel();
  }

  /**
   * What storage holds, for operators and tests: the context, the gate state (as the engine reads it back:
   * validated, migrated; null when there is none or it would not restore) and every turn.
   */
  state() {
    const saved = this.#log.load();
    return { tokens: saved.tokens, learnedState: readable(saved.learnedState), turns: this.#log.turns(), cached: this.#conversation.hasCache };
  }

  /** The isolate's KV budget as it stands, for operators and tests. */
  kvBudget(): { bytes: number; caches: number; max_bytes: number } {
    const budget = isolateBudget;
    return { bytes: budget?.bytes ?? 0, caches: budget?.caches ?? 0, max_bytes: budget?.maxBytes ?? 0 };
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const idleUntil = this.#conversation.busy ? now + SESSION_IDLE_TTL_MS : (this.#log.lastTurnAt() ?? 0) + SESSION_IDLE_TTL_MS;
    if (idleUntil > now) {
      await this.ctx.storage.setAlarm(idleUntil);
      return;
    }
    await this.forget();
  }

  /** Deletes the conversation (the tenant holds too many, or it idled out); not while it generates. */
  async forget(): Promise<void> {
    if (this.#conversation.busy) return;
    this.#conversation.dropCache(); // and out of the isolate's budget
    await this.ctx.storage.deleteAll();
    this.#log.createSchema();
    this.#conversation = this.#newConversation();
  }

  #newConversation(): Conversation {
    const idleTimeoutMs = Number(this.env.TURN_IDLE_TIMEOUT_MS);
    const options = Number.isFinite(idleTimeoutMs) && idleTimeoutMs > 0 ? { idleTimeoutMs } : {};
    isolateBudget ??= budgetFromMb(this.env.KV_BUDGET_MB, DEFAULT_KV_BUDGET_MB);
    return new Conversation(() => workerModel(this.env), this.#log, { ...options, kvBudget: isolateBudget });
  }
}

function readable(stored: unknown): LearnedState | null {
  if (stored === null) return null;
  try {
    return restoreLearnedState(stored);
  } catch {
    return null;
  }
}
