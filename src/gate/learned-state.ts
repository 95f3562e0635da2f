import { z } from 'zod';
import type { GatePolicy } from '../types';
import { EngineError } from '../errors';
import { HEAD_KINDS } from '../runtime/binding';

/** The manifest's gate calibration: extra tokens accepted per parallel step, per entropy bin. */
export interface GateCalibration {
  readonly bin_edges: readonly number[];
  readonly mean_accepted: readonly number[];
  readonly count: readonly number[];
}

/**
 * The calibration counts as at most this many steps per bin, so a session's own observations (its backend,
 * its tenant's prompts) outweigh it after a few dozen parallel steps.
 */
export const PRIOR_STEPS_PER_BIN = 16;

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

const finite = z.number().refine(Number.isFinite, 'must be finite');
const nonNegative = z.array(finite.refine((v) => v >= 0, 'must be >= 0'));
const binsOf = (s: { binEdges: readonly number[] }) => s.binEdges.length - 1;
const common = {
  threshold: finite,
  binEdges: z.array(finite).min(2),
  sumAccepted: nonNegative,
  count: nonNegative,
};
const acceptanceSchema = z
  .object({ hits: z.array(nonNegative), trials: z.array(z.array(finite.refine((v) => v > 0, 'must be > 0'))) })
  .refine(
    (a) => a.hits.length === a.trials.length && a.hits.every((ranks, d) => ranks.length === a.trials[d]!.length),
    'hits and trials need the same heads and ranks',
  )
  .refine((a) => a.hits.every((ranks, d) => ranks.every((h, r) => h <= a.trials[d]![r]!)), 'hits cannot exceed trials');
const learnedStateV1 = z.object({ version: z.literal(1), ...common });
const learnedStateV2 = z.object({
  version: z.literal(2),
  ...common,
  sumExpected: nonNegative,
  estimates: z.partialRecord(z.enum(HEAD_KINDS), acceptanceSchema).optional(),
});

/**
 * What a session learned, serialisable (a Durable Object persists it, as opaque JSON: this schema is its
 * one declaration): its gate's statistics and its trees' acceptance estimates. Per entropy bin: parallel steps seen (`count`), the extra tokens they accepted
 * (`sumAccepted`), and the extra tokens their trees were expected to accept (`sumExpected`, from the
 * acceptance estimates when the step ran). The ratio of the two sums is the bin's acceptance relative to
 * its tree's, so what the gate learned with one tree carries over to the next. `estimates`: the session's
 * acceptance estimates per head kind (its adaptive trees grow from them), so they survive eviction too;
 * only for kinds the session has used. Estimates whose shape does not fit the loaded model (another model
 * since) are dropped for the manifest's prior.
 */
export type LearnedState = z.output<typeof learnedStateV2>;
/** A state persisted before version 2 (gate statistics only, no `sumExpected`); restoring migrates it. */
export type LearnedStateV1 = z.output<typeof learnedStateV1>;
/** Per head and rank: candidates verified whose parent was accepted (`trials`), and those accepted (`hits`). */
export type AcceptanceState = z.output<typeof acceptanceSchema>;

const learnedStateSchema = z
  .discriminatedUnion('version', [learnedStateV1, learnedStateV2])
  .refine((s) => s.sumAccepted.length === binsOf(s) && s.count.length === binsOf(s), {
    message: 'sumAccepted and count need one entry per bin (binEdges.length - 1)',
  })
  .refine((s) => s.version === 1 || s.sumExpected.length === binsOf(s), { message: 'sumExpected needs one entry per bin' })
  .refine((s) => s.binEdges.every((e, i) => i === 0 || e > s.binEdges[i - 1]!), { message: 'binEdges must increase' });

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
