/**
 * What a conversation keeps beyond its KV cache: the token context, the gate state and a record per
 * turn. The KV cache is rebuilt from this after eviction or restart; SQLite in SessionDO, memory elsewhere.
 */
import { z } from 'zod';
import { HEAD_KINDS, type GateState, type GateStateV1 } from '../engine';

const count = z.int().nonnegative();

// The stored shape only; the engine validates the values when it restores the state. Version 1 was stored
// before the gate kept `sumExpected`; the engine migrates it.
const gateStateFields = {
  threshold: z.number(),
  binEdges: z.array(z.number()),
  sumAccepted: z.array(z.number()),
  count: z.array(z.number()),
};
export const gateStateSchema = z.discriminatedUnion('version', [
  z.object({ version: z.literal(1), ...gateStateFields }),
  z.object({
    version: z.literal(2),
    ...gateStateFields,
    sumExpected: z.array(z.number()),
    estimates: z
      .partialRecord(z.enum(HEAD_KINDS), z.object({ hits: z.array(z.array(z.number())), trials: z.array(z.array(z.number())) }))
      .optional(),
  }),
]) satisfies z.ZodType<GateState | GateStateV1>;

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
  readonly gateState: GateState | GateStateV1 | null;
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
