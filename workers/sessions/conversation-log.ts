/**
 * What a conversation keeps beyond its KV cache: the token context, the gate state and a record per
 * turn. The KV cache is rebuilt from this after eviction or restart; SQLite in SessionDO, memory elsewhere.
 */
import { z } from 'zod';
import type { GateState } from '../engine';

const count = z.int().nonnegative();

export const turnRecordSchema = z.object({
  finish_reason: z.enum(['stop', 'length', 'abort']),
  prompt_tokens: count,
  cached_tokens: count,
  completion_tokens: count,
  steps: count,
  parallel_steps: count,
  ar_steps: count,
  zero_accept_steps: count,
  threshold: z.number(),
});
export type TurnRecord = z.output<typeof turnRecordSchema>;

export interface SavedConversation {
  /** Prompt and emitted tokens of every turn so far: exactly what the KV cache holds. */
  readonly tokens: readonly number[];
  /** As `Session.gateState()` gave it, kept as opaque JSON: the engine validates it when it restores it. */
  readonly gateState: unknown;
}

export interface ConversationLog {
  load(): SavedConversation;
  /** Replaces the context and gate state and appends the turn record, all at once. */
  saveTurn(tokens: readonly number[], gateState: GateState, turn: TurnRecord): void;
}

export class MemoryConversationLog implements ConversationLog {
  #saved: SavedConversation = { tokens: [], gateState: null };

  load(): SavedConversation {
    return this.#saved;
  }

  saveTurn(tokens: readonly number[], gateState: GateState): void {
    this.#saved = { tokens: [...tokens], gateState };
  }
}
