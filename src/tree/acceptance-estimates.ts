import type { AcceptanceState } from '../types';
import type { CompiledTree } from './compile-tree';

/** Ranks per head the estimates (and so the chosen trees) consider. */
export const MAX_RANK = 8;

/**
 * Pseudo-steps the manifest's validation accuracies weigh against online observations. They are measured in
 * the model's own domain; out of it a generation is short (MT-Bench on the story model: 40-95 tokens before
 * end-of-text) and must overrule them within its first steps. 20 → 8 (with the gate's
 * `PRIOR_STEPS_PER_BIN` 16 → 4), per-step traces, 40 MT-Bench questions, wasm int8: Medusa + gate 0.96 →
 * 1.00× AR, Cerberus + gate 1.03 → 1.06×; onnxruntime-node MT-Bench and wasm stories unchanged within noise.
 */
const PRIOR_WEIGHT = 8;

/**
 * P(head d's rank-r candidate is the accepted token | its parent was accepted), per head and rank:
 * a Beta-style running estimate, starting from the manifest's validation top-1 / top-5 accuracies and
 * updated after every verification.
 */
export class AcceptanceEstimates {
  private readonly hits: number[][];
  private readonly trials: number[][];

  /** `prior[d][r]`: the starting estimate per head and rank (missing ranks count as 0). */
  constructor(prior: readonly (readonly number[])[]) {
    this.hits = prior.map((ranks) => ranks.map((p) => p * PRIOR_WEIGHT));
    this.trials = prior.map((ranks) => ranks.map(() => PRIOR_WEIGHT));
  }

  /**
   * From the manifest: the measured per-rank accuracies when present, else top-1 / top-5 with the top-5
   * surplus spread over ranks 1–4. Both are unconditional shares; the online updates make them
   * conditional on the parent's acceptance.
   */
  static fromManifest(heads: {
    readonly valid_top1: readonly number[];
    readonly valid_top5: readonly number[];
    readonly rank_accuracy?: readonly (readonly number[])[] | undefined;
  }): AcceptanceEstimates {
    const prior = heads.valid_top1.map((top1, d) => {
      const measured = heads.rank_accuracy?.[d];
      const ranks = measured !== undefined ? [...measured] : priorByRank(top1, heads.valid_top5[d] ?? top1);
      return Array.from({ length: MAX_RANK }, (_, r) => ranks[r] ?? 0);
    });
    return new AcceptanceEstimates(prior);
  }

  /**
   * Estimates persisted with `state()`, when their shape fits a model with `numHeads` heads (validated by
   * restoreLearnedState); undefined when it does not (the session then starts from the manifest again).
   */
  static fromState(state: AcceptanceState, numHeads: number): AcceptanceEstimates | undefined {
    if (state.trials.length !== numHeads || state.trials.some((ranks) => ranks.length !== MAX_RANK)) return undefined;
    const estimates = new AcceptanceEstimates([]);
    estimates.hits.push(...state.hits.map((ranks) => [...ranks]));
    estimates.trials.push(...state.trials.map((ranks) => [...ranks]));
    return estimates;
  }

  state(): AcceptanceState {
    return { hits: this.hits.map((ranks) => [...ranks]), trials: this.trials.map((ranks) => [...ranks]) };
  }

  get numHeads(): number {
    return this.hits.length;
  }

  /** probability[d][r] */
  probabilities(): number[][] {
    return this.hits.map((ranks, d) => ranks.map((h, r) => h / this.trials[d]![r]!));
  }

  /**
   * Expected extra tokens a verification of `tree` accepts: the sum over its nodes of the probability that
   * the node and all its ancestors are accepted (parents come before children in a compiled tree).
   */
  expectedAccepted(tree: CompiledTree): number {
    const p = this.probabilities();
    const reach = new Float64Array(tree.size);
    reach[0] = 1;
    let sum = 0;
    for (let node = 1; node < tree.size; node++) {
      const q = p[tree.depth[node]! - 1]?.[tree.rank[node]!] ?? 0;
      reach[node] = reach[tree.parent[node]!]! * q;
      sum += reach[node]!;
    }
    return sum;
  }

  /** Every node whose parent was accepted was a trial for its (head, rank); hit when it was accepted too. */
  record(tree: CompiledTree, acceptedPath: readonly number[]): void {
    forEachTrial(tree, acceptedPath, (d, r, hit) => {
      if (d >= this.numHeads || r >= MAX_RANK) return;
      this.trials[d]![r]! += 1;
      if (hit) this.hits[d]![r]! += 1;
    });
  }
}

/**
 * The trials a verification made: every node whose parent was accepted, as (head d, rank r, accepted?).
 * Nodes under a rejected parent were never compared, so they say nothing about their head.
 */
export function forEachTrial(
  tree: CompiledTree,
  acceptedPath: readonly number[],
  visit: (head: number, rank: number, hit: boolean) => void,
): void {
  const accepted = new Set(acceptedPath);
  for (let node = 1; node < tree.size; node++) {
    if (accepted.has(tree.parent[node]!)) visit(tree.depth[node]! - 1, tree.rank[node]!, accepted.has(node));
  }
}

/** Top-1 to rank 0; the top-5 surplus spread geometrically (halving) over ranks 1–4; a little beyond. */
function priorByRank(top1: number, top5: number): number[] {
  const surplus = Math.max(0, top5 - top1);
  const ranks = [top1, ...[8, 4, 2, 1].map((w) => (surplus * w) / 15)];
  while (ranks.length < MAX_RANK) ranks.push(ranks[ranks.length - 1]! / 2);
  return ranks;
}
