import { topK } from '../sampling/logits';
import { forEachTrial } from './acceptance-estimates';
import type { CompiledTree } from './compile-tree';

/** One step's proposals: per head, its top-ranked token ids and their softmax probabilities. */
export interface HeadProposals {
  readonly ids: readonly (readonly number[])[];
  readonly probs: readonly (readonly number[])[];
}

/**
 * Logits this far below the maximum are left out of the softmax normaliser: each weighs under e^-12, so
 * even a whole 4k vocabulary of them moves a probability by under 3 %, and skipping their exp makes the
 * pass several times cheaper on the peaked rows that dominate.
 */
const NEGLIGIBLE = 12;

/** Top `ranks` candidates of each of the first `depth` heads, with their probabilities (two V-wide passes per head). */
export function headProposals(logits: Float32Array, vocab: number, depth: number, ranks: number): HeadProposals {
  const ids: number[][] = [];
  const probs: number[][] = [];
  for (let d = 0; d < depth; d++) {
    const row = logits.subarray(d * vocab, (d + 1) * vocab);
    const top = topK(row, ranks);
    const max = row[top[0]!]!;
    let sum = 0;
    for (let i = 0; i < row.length; i++) {
      const z = row[i]! - max;
      if (z > -NEGLIGIBLE) sum += Math.exp(z);
    }
    ids.push(top);
    probs.push(top.map((id) => Math.exp(row[id]! - max) / sum));
  }
  return { ids, probs };
}

/** Pseudo-verifications per head that hold its scale at 1 until real ones say otherwise. */
const PRIOR_MASS = 10;

/**
 * How a head's softmax probability relates to the chance its candidate is accepted once its parent was:
 * per head, candidates accepted over the probability mass they were given. A head trained to predict a
 * token several positions ahead spreads its mass over continuations the verified path may not take, so the
 * raw probability misjudges acceptance by a roughly constant factor per depth.
 */
export class HeadCalibration {
  private readonly hits: number[];
  private readonly mass: number[];

  constructor(numHeads: number) {
    this.hits = Array.from({ length: numHeads }, () => PRIOR_MASS);
    this.mass = Array.from({ length: numHeads }, () => PRIOR_MASS);
  }

  /** acceptance[d][r]: the calibrated chance that head d's rank-r proposal is accepted given its parent was. */
  acceptance(proposals: HeadProposals): number[][] {
    return proposals.probs.map((row, d) => row.map((q) => Math.min(1, (q * this.hits[d]!) / this.mass[d]!)));
  }

  /** Every node whose parent was accepted was a trial worth its probability; a hit when it was accepted. */
  record(tree: CompiledTree, proposals: HeadProposals, acceptedPath: readonly number[]): void {
    forEachTrial(tree, acceptedPath, (d, r, hit) => {
      const q = proposals.probs[d]?.[r];
      if (q === undefined) return;
      this.mass[d]! += q;
      if (hit) this.hits[d]! += 1;
    });
  }
}
