import type { CostModel } from '../engine/api';
import type { AcceptanceEstimates } from '../tree/acceptance-estimates';
import { chooseTree } from '../tree/choose-tree';
import { compileTree, type CompiledTree, type TreePaths } from '../tree/compile-tree';
import { parallelStepRatio } from '../tree/cost-curve';
import type { ParallelOutlook } from '../gate/estimate-threshold';

/** Parallel steps between two re-choices of an adaptive tree (choosing is cheap, but not free). */
const RECHOOSE_EVERY = 16;

export type TreeSource = { readonly kind: 'static'; readonly paths: TreePaths } | { readonly kind: 'adaptive' };

/**
 * Which tree a parallel step verifies: the manifest's static tree or one grown from the running
 * acceptance estimates and the backend's cost model, at most `budget` nodes; cut to the depth that still
 * fits the context window and the tokens left to generate. Every verification updates the estimates,
 * which also say what a tree is expected to accept (the gate weighs its entropy bins against that).
 */
export class TreePolicy {
  private tree: CompiledTree;
  private readonly fitted = new Map<number, CompiledTree>();
  private sinceChoice = 0;

  constructor(
    private readonly source: TreeSource,
    private readonly estimates: AcceptanceEstimates,
    private readonly cost: CostModel,
    private readonly budget: number,
    private readonly numHeads: number,
  ) {
    this.tree = this.choose();
  }

  /** The tree for a step that may add at most `maxDepth` tokens after the root. */
  treeFor(maxDepth: number): CompiledTree {
    const depth = this.tree.topKPerHead.length;
    if (maxDepth >= depth) return this.tree;
    let cut = this.fitted.get(maxDepth);
    if (cut === undefined) {
      // Parents come before children, so dropping deep nodes keeps a valid tree.
      cut = compileTree(this.tree.paths.filter((p) => p.length <= maxDepth), this.numHeads);
      this.fitted.set(maxDepth, cut);
    }
    return cut;
  }

  /** Cost of a parallel step with the current tree, in AR steps (heads included), per the cost model. */
  stepRatio(): number {
    return this.stepRatioFor(this.tree);
  }

  stepRatioFor(tree: CompiledTree): number {
    return parallelStepRatio(this.cost, tree.size);
  }

  /** Extra tokens a verification of `tree` (by default the current one) is expected to accept. */
  expectedAccepted(tree: CompiledTree = this.tree): number {
    return this.estimates.expectedAccepted(tree);
  }

  get size(): number {
    return this.tree.size;
  }

  /** Feeds a verification into the estimates; an adaptive tree is re-chosen now and then. */
  record(tree: CompiledTree, path: readonly number[]): void {
    this.estimates.record(tree, path);
    if (this.source.kind === 'adaptive' && ++this.sinceChoice >= RECHOOSE_EVERY) {
      this.sinceChoice = 0;
      this.tree = this.choose();
      this.fitted.clear();
    }
  }

  private choose(): CompiledTree {
    if (this.source.kind === 'static') return compileTree(this.source.paths.slice(0, this.budget), this.numHeads);
    const acceptance = this.estimates.probabilities().slice(0, this.numHeads);
    return compileTree(chooseTree(acceptance, this.cost, this.budget).paths, this.numHeads);
  }
}

/** The gate's view of the next parallel step: the current tree's cost (times the observed-cost correction) and its expected acceptance. */
export function parallelOutlook(trees: TreePolicy, costCorrection: number): ParallelOutlook {
  return { stepRatio: trees.stepRatio() * costCorrection, expectedAccepted: trees.expectedAccepted() };
}
