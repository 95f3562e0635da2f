/**
 * A turn's statistics, declared and built once. Everything else is a view of it: the `cerberus` field of a
 * response, the record a session logs per turn, the sums a tenant's usage adds up, the NDJSON event codec.
 */
import { z } from 'zod';
import { DECODING_MODES, type GenerateOptions, type GenerationStats } from '../engine';

const count = z.number().nonnegative();

export const turnStatsSchema = z.object({
  mode: z.enum(DECODING_MODES),
  /** The entropy gate was on (never for mode 'ar'). */
  gate: z.boolean(),
  prompt_tokens: count,
  /** Prompt tokens served from the session's KV cache instead of being run again. */
  cached_tokens: count,
  completion_tokens: count,
  steps: count,
  /** Steps that verified candidates: the heads', or (`draft_steps` of them) drafts copied from the context. */
  parallel_steps: count,
  draft_steps: count,
  ar_steps: count,
  zero_accept_steps: count,
  /** Tokens accepted beyond the base model's own, summed over the parallel steps. */
  accepted_extra_tokens: count,
  /** Tokens per step, the paper's mean accepted length (1 for plain AR). */
  mean_accepted_length: count,
  mean_extra_tokens_per_parallel_step: count,
  accepted_histogram: z.array(count),
  threshold: z.number(),
  model_ms: count,
  wall_ms: count,
});
export type TurnStats = z.output<typeof turnStatsSchema>;

/** The token counts OpenAI's `usage` reports. */
export const USAGE_COUNT_KEYS = ['prompt_tokens', 'cached_tokens', 'completion_tokens'] as const;
export type TurnUsageCounts = Pick<TurnStats, (typeof USAGE_COUNT_KEYS)[number]>;

/** The `cerberus` extension field: the statistics without the counts `usage` already carries. */
export type CerberusStats = Omit<TurnStats, (typeof USAGE_COUNT_KEYS)[number]>;

export function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) out[key] = from[key];
  return out;
}

export function cerberusView(stats: TurnStats): CerberusStats {
  const { prompt_tokens: _p, cached_tokens: _c, completion_tokens: _t, ...rest } = stats;
  return rest;
}

/**
 * Builds the turn's statistics from the engine's (absent when the turn was cut before the engine finished:
 * then only the counts are known). `completionTokens` is what the client was sent.
 */
export function toTurnStats(
  stats: GenerationStats | undefined,
  turn: Required<Pick<GenerateOptions, 'mode' | 'gate'>>,
  counts: { readonly promptTokens: number; readonly completionTokens: number; readonly threshold: number },
): TurnStats {
  const steps = stats?.steps ?? 0;
  return {
    mode: turn.mode,
    gate: turn.mode !== 'ar' && turn.gate,
    prompt_tokens: counts.promptTokens,
    cached_tokens: stats?.cachedTokens ?? 0,
    completion_tokens: counts.completionTokens,
    steps,
    parallel_steps: stats?.parallelSteps ?? 0,
    draft_steps: stats?.draftSteps ?? 0,
    ar_steps: stats?.arSteps ?? 0,
    zero_accept_steps: stats?.zeroAcceptSteps ?? 0,
    accepted_extra_tokens: stats?.acceptedExtraTokens ?? 0,
    mean_accepted_length: steps > 0 ? (stats?.tokens ?? 0) / steps : 0,
    mean_extra_tokens_per_parallel_step: stats?.meanAccepted ?? 0,
    accepted_histogram: [...(stats?.acceptedHistogram ?? [])],
    threshold: stats?.threshold ?? counts.threshold,
    model_ms: stats?.modelMs ?? 0,
    wall_ms: stats?.wallMs ?? 0,
  };
}
