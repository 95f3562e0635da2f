import type { StepStats } from '../engine';
import type { TurnGenerateOptions, TurnStats } from './turn';

/** The engine's statistics in the API's snake_case, plus the derived means clients usually want. */
export function toTurnStats(stats: StepStats, turn: Pick<TurnGenerateOptions, 'mode' | 'gate'>): TurnStats {
  return {
    mode: turn.mode,
    gate: turn.mode !== 'ar' && turn.gate,
    steps: stats.steps,
    parallel_steps: stats.parallelSteps,
    ar_steps: stats.arSteps,
    zero_accept_steps: stats.zeroAcceptSteps,
    mean_accepted_length: stats.steps > 0 ? stats.tokens / stats.steps : 0,
    mean_extra_tokens_per_parallel_step: stats.meanAccepted,
    accepted_histogram: stats.acceptedHistogram,
    threshold: stats.threshold,
    model_ms: stats.modelMs,
    wall_ms: stats.wallMs,
  };
}
