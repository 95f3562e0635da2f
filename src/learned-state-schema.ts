/**
 * The one declaration of what a session learns and persists (LearnedState): a zod schema, so a stored state
 * (untrusted: it crossed a storage boundary) is validated by the same text that gives its type. Part of the
 * engine's vocabulary; gate/learned-state.ts builds, restores and migrates states.
 */
import { z } from 'zod';
import { HEAD_KINDS } from './runtime/binding';

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

export const learnedStateSchema = z
  .discriminatedUnion('version', [learnedStateV1, learnedStateV2])
  .refine((s) => s.sumAccepted.length === binsOf(s) && s.count.length === binsOf(s), {
    message: 'sumAccepted and count need one entry per bin (binEdges.length - 1)',
  })
  .refine((s) => s.version === 1 || s.sumExpected.length === binsOf(s), { message: 'sumExpected needs one entry per bin' })
  .refine((s) => s.binEdges.every((e, i) => i === 0 || e > s.binEdges[i - 1]!), { message: 'binEdges must increase' });
