/**
 * What a conversation keeps beyond its KV cache: the token context, the gate state and a record per
 * turn. The KV cache is rebuilt from this after eviction or restart; SQLite in SessionDO, memory elsewhere.
 */
import { z } from 'zod';
import type { LearnedState } from '../engine';
import { pick, turnStatsSchema, type TurnStats } from './turn-stats';

/** The turn statistics a session logs per turn, beside how the turn ended. */
const RECORD_KEYS = [
  'prompt_tokens', 'cached_tokens', 'completion_tokens', 'steps', 'parallel_steps', 'ar_steps', 'zero_accept_steps',
  'accepted_extra_tokens', 'threshold',
] as const;

export const turnRecordSchema = turnStatsSchema
  .pick(Object.fromEntries(RECORD_KEYS.map((k) => [k, true])) as Record<(typeof RECORD_KEYS)[number], true>)
  .extend({ finish_reason: z.enum(['stop', 'length', 'abort']) });
export type TurnRecord = z.output<typeof turnRecordSchema>;

export function turnRecord(stats: TurnStats, finishReason: TurnRecord['finish_reason']): TurnRecord {
  return { finish_reason: finishReason, ...pick(stats, RECORD_KEYS) };
}

export interface SavedConversation {
  /** Prompt and emitted tokens of every turn so far: exactly what the KV cache holds. */
  readonly tokens: readonly number[];
  /** As `Session.learnedState()` gave it, kept as opaque JSON: the engine validates it when it restores it. */
  readonly learnedState: unknown;
}

export interface ConversationLog {
  load(): SavedConversation;
  /** Replaces the context and gate state and appends the turn record, all at once. */
  saveTurn(tokens: readonly number[], learnedState: LearnedState, turn: TurnRecord): void;
}

export class MemoryConversationLog implements ConversationLog {
  #saved: SavedConversation = { tokens: [], learnedState: null };

  load(): SavedConversation {
    return this.#saved;
  }

  saveTurn(tokens: readonly number[], learnedState: LearnedState): void {
    this.#saved = { tokens: [...tokens], learnedState };
  }
}
