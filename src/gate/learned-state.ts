import { z } from 'zod';
import type { GatePolicy, LearnedState } from '../types';
import { EngineError } from '../errors';
import { learnedStateSchema } from '../learned-state-schema';

/** The manifest's gate calibration: extra tokens accepted per parallel step, per entropy bin. */
export interface GateCalibration {
  readonly bin_edges: readonly number[];
  readonly mean_accepted: readonly number[];
  readonly count: readonly number[];
}

/**
 * The calibration counts as at most this many steps per bin, so a session's own observations (its backend,
 * its tenant's prompts) outweigh it after a few parallel steps: out of the model's domain generations are
 * short (measured with the heads' prior: `PRIOR_WEIGHT` in tree/acceptance-estimates.ts).
 */
export const PRIOR_STEPS_PER_BIN = 4;

/**
 * The calibration was measured with one tree, so only its shape over entropy carries over: each bin's mean
 * relative to the overall mean (the bin's `sumExpected` is its steps times the overall mean).
 */
export function initialLearnedState(calibration: GateCalibration, policy: GatePolicy): LearnedState {
  const count = calibration.count.map((c) => Math.min(c, PRIOR_STEPS_PER_BIN));
  const sumAccepted = calibration.mean_accepted.map((m, i) => m * count[i]!);
  return {
    version: 2,
    threshold: clamp(policy.threshold, policy),
    binEdges: [...calibration.bin_edges],
    sumAccepted,
    sumExpected: relativeBaseline(calibration.mean_accepted, calibration.count, count),
    count,
  };
}

/** Per bin, `weights[b]` times the `count`-weighted mean of `means` (zero where nothing was seen). */
function relativeBaseline(means: readonly number[], counts: readonly number[], weights: readonly number[]): number[] {
  const seen = counts.reduce((a, n) => a + n, 0);
  const overall = seen > 0 ? means.reduce((a, m, i) => a + m * counts[i]!, 0) / seen : 0;
  return weights.map((w) => w * overall);
}

/**
 * Validates a persisted state (it crossed a storage boundary, so it is untrusted). A version-1 state gets
 * the baseline a calibration gets: its own per-bin means relative to its overall mean.
 */
export function restoreLearnedState(value: unknown): LearnedState {
  const parsed = learnedStateSchema.safeParse(value);
  if (!parsed.success) {
    throw new EngineError('invalid-gate-state', `gate state cannot be restored: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const state = parsed.data;
  if (state.version === 2) return state;
  const means = state.sumAccepted.map((sum, i) => (state.count[i]! > 0 ? sum / state.count[i]! : 0));
  return { ...state, version: 2, sumExpected: relativeBaseline(means, state.count, state.count) };
}

export function clamp(threshold: number, policy: Pick<GatePolicy, 'min' | 'max'>): number {
  return Math.min(policy.max, Math.max(policy.min, threshold));
}
