import type { TreePaths } from './compile-tree';
import { parallelStepRatio, type StepCosts } from './cost-curve';

export interface TreeChoice {
  readonly paths: TreePaths;
  /** Expected tokens per step (1 + expected accepted candidates). */
  readonly expectedTokens: number;
  /** Expected tokens per AR-step-equivalent of time: the quantity maximised. */
  readonly speedup: number;
}

/**
 * Grows a tree greedily: the next node is always the frontier node most likely to be accepted (the
 * product of its path's acceptance probabilities), and of the trees grown up to `budget` nodes the one
 * with the best (1 + E[accepted]) / (cost of a parallel step) is kept. Looking at every size rather than
 * stopping at the first non-improvement keeps flat stretches of a noisy cost curve from ending growth.
 */
export function chooseTree(acceptance: readonly (readonly number[])[], curve: StepCosts, budget: number): TreeChoice {
  const paths: number[][] = [];
  const frontier: { path: number[]; p: number }[] = childrenOf([], 1, acceptance);
  let expected = 1;
  // A deeper tree needs more heads computed, where the graphs can skip heads (the cost model says so).
  let depth = 0;
  // The first node is always kept: a caller asking for a parallel step gets at least one candidate.
  let best: TreeChoice | undefined;
  while (paths.length < budget && frontier.length > 0) {
    let pick = 0;
    frontier.forEach((c, i) => {
      if (c.p > frontier[pick]!.p) pick = i;
    });
    const { path, p } = frontier.splice(pick, 1)[0]!;
    paths.push(path);
    expected += p;
    depth = Math.max(depth, path.length);
    frontier.push(...childrenOf(path, p, acceptance));
    const speedup = expected / parallelStepRatio(curve, paths.length + 1, depth);
    if (best === undefined || speedup > best.speedup) best = { paths: paths.slice(), expectedTokens: expected, speedup };
  }
  return best ?? { paths: [], expectedTokens: 1, speedup: 1 / parallelStepRatio(curve, 1, 1) };
}

function childrenOf(path: number[], p: number, acceptance: readonly (readonly number[])[]): { path: number[]; p: number }[] {
  const head = acceptance[path.length];
  if (head === undefined) return [];
  return head.map((q, rank) => ({ path: [...path, rank], p: p * q }));
}
