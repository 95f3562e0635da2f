/**
 * Sessions in process memory, for the Node and Deno entries: the same Conversation as SessionDO, with its
 * log in memory. Bounded three ways: the KV caches by the process's memory budget (idle caches dropped,
 * rebuilt from the log), the conversations by `maxSessions` in all and `maxSessionsPerTenant` per tenant
 * (the least recently used idle one is forgotten; clients send the whole conversation, so a forgotten one
 * costs a prefill, not its history).
 */
import { MemoryConversationLog } from './conversation-log';
import { Conversation, type ConversationOptions } from './conversation';
import type { Model } from '../engine';
import { ApiError } from '../api-error';
import { sessionObjectName } from './session-key';
import type { SessionKey, SessionStore, TurnRequest, TurnStart } from './turn';

export interface MemorySessionStoreOptions extends ConversationOptions {
  readonly maxSessions?: number;
  readonly maxSessionsPerTenant?: number;
}

interface Held {
  readonly tenantId: string;
  readonly conversation: Conversation;
}

export class MemorySessionStore implements SessionStore {
  // Map iteration order is insertion order: re-inserting on use keeps the least recent first.
  readonly #conversations = new Map<string, Held>();
  readonly #perTenant = new Map<string, number>();
  readonly #maxSessions: number;
  readonly #maxPerTenant: number;

  constructor(
    private readonly model: () => Promise<Model>,
    private readonly options: MemorySessionStoreOptions = {},
  ) {
    this.#maxSessions = options.maxSessions ?? 256;
    this.#maxPerTenant = options.maxSessionsPerTenant ?? 64;
  }

  /** Conversations held, in all or for one tenant. */
  sessions(tenantId?: string): number {
    return tenantId === undefined ? this.#conversations.size : (this.#perTenant.get(tenantId) ?? 0);
  }

  async startTurn(key: SessionKey, turn: TurnRequest): Promise<TurnStart> {
    const name = sessionObjectName(key);
    let held = this.#conversations.get(name);
    if (held === undefined) {
      if (this.sessions(key.tenantId) >= this.#maxPerTenant && !this.#dropOne((h) => h.tenantId === key.tenantId)) {
        const message = `This API key has ${this.#maxPerTenant} sessions generating at once, the most it may hold; retry when one finishes.`;
        return { ok: false, error: new ApiError({ status: 429, code: 'too_many_sessions', message, retryAfterSeconds: 1 }).toInfo() };
      }
      held = { tenantId: key.tenantId, conversation: new Conversation(this.model, new MemoryConversationLog(), this.options) };
      this.#perTenant.set(key.tenantId, this.sessions(key.tenantId) + 1);
    } else this.#conversations.delete(name);
    this.#conversations.set(name, held);
    while (this.#conversations.size > this.#maxSessions && this.#dropOne(() => true));
    return held.conversation.startTurn(turn);
  }

  async forget(key: SessionKey): Promise<void> {
    const name = sessionObjectName(key);
    const held = this.#conversations.get(name);
    if (held === undefined || held.conversation.busy) return;
    this.#drop(name, held);
  }

  /** Forgets the least recently used idle conversation that `matches`; false when there is none. */
  #dropOne(matches: (held: Held) => boolean): boolean {
    for (const [name, held] of this.#conversations) {
      if (held.conversation.busy || !matches(held)) continue;
      this.#drop(name, held);
      return true;
    }
    return false;
  }

  #drop(name: string, held: Held): void {
    held.conversation.dropCache();
    this.#conversations.delete(name);
    const left = this.sessions(held.tenantId) - 1;
    if (left > 0) this.#perTenant.set(held.tenantId, left);
    else this.#perTenant.delete(held.tenantId);
  }
}
