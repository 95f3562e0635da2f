import type { GatePolicy } from '../engine/api';
import { clamp } from './gate-state';

export interface BinStatistics {
  readonly binEdges: readonly number[];
  readonly sumAccepted: readonly number[];
  readonly count: readonly number[];
}

/**
 * The largest entropy at which a parallel step still pays: a bin pays when the tokens a parallel step
 * yields there, 1 + E[accepted | bin], exceed its cost in AR steps (`stepRatio`, heads included). The
 * threshold is the upper edge of the highest paying bin (bins without observations never pay), clamped to
 * the policy's bounds; policy.min when no bin pays.
 */
export function estimateThreshold(stats: BinStatistics, stepRatio: number, policy: Pick<GatePolicy, 'min' | 'max'>): number {
  let threshold = policy.min;
  stats.count.forEach((n, bin) => {
    if (n <= 0) return;
    const meanAccepted = stats.sumAccepted[bin]! / n;
    if ((1 + meanAccepted) / stepRatio > 1) threshold = stats.binEdges[bin + 1]!;
  });
  return clamp(threshold, policy);
}

/** Bin of an entropy value; values outside the edges fall into the first / last bin. */
export function binOf(binEdges: readonly number[], entropy: number): number {
  const bins = binEdges.length - 1;
  for (let b = 0; b < bins; b++) if (entropy < binEdges[b + 1]!) return b;
  return bins - 1;
}
