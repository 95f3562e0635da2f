import type { GatePolicy } from '../types';
import type { LearnedState } from '../types';
import { clamp } from './learned-state';

/** The gate state's per-bin sums (read only). */
export type BinStatistics = { readonly [K in 'binEdges' | 'sumAccepted' | 'sumExpected' | 'count']: Readonly<LearnedState[K]> };

/** A parallel step with the tree now in use: its cost in AR steps (heads included) and its expected extra tokens. */
export interface ParallelOutlook {
  readonly stepRatio: number;
  readonly expectedAccepted: number;
}

/**
 * A bin's expected extra tokens with the tree now in use: its observed acceptance relative to what its
 * trees were expected to accept, times what the current tree is expected to accept. (A bin whose steps
 * were expected to accept nothing keeps its plain mean.)
 */
export function binAcceptance(stats: BinStatistics, bin: number, expectedAccepted: number): number {
  const expected = stats.sumExpected[bin]!;
  if (expected > 0) return (stats.sumAccepted[bin]! / expected) * expectedAccepted;
  return stats.sumAccepted[bin]! / Math.max(1e-9, stats.count[bin]!);
}

/**
 * The threshold that maximises expected tokens per unit of time. Cutting at the upper edge of bin k runs
 * bins 0..k in parallel — 1 + a_b extra tokens (`binAcceptance`) for `stepRatio` AR steps of time each —
 * and the rest as AR steps (one token, one step), each bin weighted by its observed steps n_b:
 *
 *   throughput(k) = (Σ_{b≤k} n_b (1 + a_b) + Σ_{b>k} n_b) / (Σ_{b≤k} n_b · stepRatio + Σ_{b>k} n_b)
 *
 * A bin is worth running in parallel only when it raises the mix's throughput, i.e. a_b / (stepRatio − 1)
 * exceeds the throughput already reached — stricter than "this bin alone beats AR", and one sparse,
 * noisy high-entropy bin cannot drag the cut past the bins below it that lose time. Empty bins change
 * nothing, so the cut stops below them unless a bin above pays for crossing them. No paying cut (or no
 * observations): policy.min. Clamped to the policy's bounds.
 */
export function estimateThreshold(stats: BinStatistics, outlook: ParallelOutlook, policy: Pick<GatePolicy, 'min' | 'max'>): number {
  const { stepRatio, expectedAccepted } = outlook;
  const total = stats.count.reduce((sum, n) => sum + Math.max(0, n), 0);
  let threshold = policy.min;
  if (total <= 0) return clamp(threshold, policy);
  // Start from "every step AR": throughput 1. Moving bin b to parallel adds n_b·a_b tokens and n_b·(r − 1) time.
  let tokens = total;
  let time = total;
  let best = 1;
  stats.count.forEach((n, bin) => {
    if (n <= 0) return;
    tokens += n * binAcceptance(stats, bin, expectedAccepted);
    time += n * (stepRatio - 1);
    const throughput = tokens / time;
    if (throughput > best) {
      best = throughput;
      threshold = stats.binEdges[bin + 1]!;
    }
  });
  return clamp(threshold, policy);
}

/** Bin of an entropy value; values outside the edges fall into the first / last bin. */
export function binOf(binEdges: readonly number[], entropy: number): number {
  const bins = binEdges.length - 1;
  for (let b = 0; b < bins; b++) if (entropy < binEdges[b + 1]!) return b;
  return bins - 1;
}
