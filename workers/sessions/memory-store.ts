/**
 * Sessions in process memory, for the Node and Deno entries: the same Conversation as SessionDO, with its
 * log in memory. The least recently used idle conversation is dropped past `maxSessions`.
 */
import { MemoryConversationLog } from './conversation-log';
import { Conversation, type ConversationOptions } from './conversation';
import type { Model } from '../engine';
import { sessionObjectName } from './session-key';
import type { SessionKey, SessionStore, TurnRequest, TurnStart } from './turn';

export interface MemorySessionStoreOptions extends ConversationOptions {
  readonly maxSessions?: number;
}

export class MemorySessionStore implements SessionStore {
  // Map iteration order is insertion order: re-inserting on use keeps the least recent first.
  readonly #conversations = new Map<string, Conversation>();
  readonly #maxSessions: number;

  constructor(
    private readonly model: () => Promise<Model>,
    private readonly options: MemorySessionStoreOptions = {},
  ) {
    this.#maxSessions = options.maxSessions ?? 256;
  }

  async startTurn(key: SessionKey, turn: TurnRequest): Promise<TurnStart> {
    const name = sessionObjectName(key);
    const conversation = this.#conversations.get(name) ?? new Conversation(this.model, new MemoryConversationLog(), this.options);
    this.#conversations.delete(name);
    this.#conversations.set(name, conversation);
    this.#dropIdleBeyondLimit();
    return conversation.startTurn(turn);
  }

  #dropIdleBeyondLimit(): void {
    for (const [name, conversation] of this.#conversations) {
      if (this.#conversations.size <= this.#maxSessions) return;
      if (!conversation.busy) this.#conversations.delete(name);
    }
  }
}
