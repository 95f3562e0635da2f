import type { CompiledTree } from './compile-tree';

/** Ranks per head the estimates (and so the chosen trees) consider. */
export const MAX_RANK = 8;

/** Pseudo-steps the manifest's validation accuracies weigh against online observations. */
const PRIOR_WEIGHT = 20;

/**
 * P(head d's rank-r candidate is the accepted token | its parent was accepted), per head and rank:
 * a Beta-style running estimate, starting from the manifest's validation top-1 / top-5 accuracies and
 * updated after every verification.
 */
export class AcceptanceEstimates {
  private readonly hits: number[][];
  private readonly trials: number[][];

  constructor(validTop1: readonly number[], validTop5: readonly number[]) {
    const prior = validTop1.map((top1, d) => priorByRank(top1, validTop5[d] ?? top1));
    this.hits = prior.map((ranks) => ranks.map((p) => p * PRIOR_WEIGHT));
    this.trials = prior.map((ranks) => ranks.map(() => PRIOR_WEIGHT));
  }

  get numHeads(): number {
    return this.hits.length;
  }

  /** probability[d][r] */
  probabilities(): number[][] {
    return this.hits.map((ranks, d) => ranks.map((h, r) => h / this.trials[d]![r]!));
  }

  /** Every node whose parent was accepted was a trial for its (head, rank); hit when it was accepted too. */
  record(tree: CompiledTree, acceptedPath: readonly number[]): void {
    const accepted = new Set(acceptedPath);
    for (let node = 1; node < tree.size; node++) {
      if (!accepted.has(tree.parent[node]!)) continue;
      const d = tree.depth[node]! - 1;
      const r = tree.rank[node]!;
      if (d >= this.numHeads || r >= MAX_RANK) continue;
      this.trials[d]![r]! += 1;
      if (accepted.has(node)) this.hits[d]![r]! += 1;
    }
  }
}

/** Top-1 to rank 0; the top-5 surplus spread geometrically (halving) over ranks 1–4; a little beyond. */
function priorByRank(top1: number, top5: number): number[] {
  const surplus = Math.max(0, top5 - top1);
  const weights = [8, 4, 2, 1].map((w) => w / 15);
  const ranks = [top1, ...weights.map((w) => surplus * w)];
  while (ranks.length < MAX_RANK) ranks.push((ranks[ranks.length - 1] ?? 0) / 2);
  return ranks;
}
