import type { CostModel } from '../types';
import type { ParallelOutlook } from '../gate/estimate-threshold';
import { topK } from '../sampling/logits';
import { MAX_RANK, type AcceptanceEstimates } from '../tree/acceptance-estimates';
import { chooseTree } from '../tree/choose-tree';
import { compileTree, type CompiledTree, type TreePaths } from '../tree/compile-tree';
import { headsRatioAt, parallelStepRatio } from '../tree/cost-curve';
import { headProposals, type HeadCalibration, type HeadProposals } from '../tree/head-proposals';

/**
 * 'any': trees branch wherever the estimates say it pays. 'chains': only causal blocks, whose rows equal
 * their AR steps bit for bit (each row's keys sit where its AR step's do); a branching node's ancestors sit
 * elsewhere, so its attention sums in another order, which a variant that requantises activations can
 * turn into another token (manifest `base.variants.<v>.tree_shape`).
 */
export type TreeShape = 'any' | 'chains';

/** Parallel steps between two re-choices of an adaptive tree (choosing is cheap, but not free). */
const RECHOOSE_EVERY = 16;
/** Weight of one step in a dynamic policy's running outlook (about the last 20 steps count). */
const OUTLOOK_RATE = 0.05;

export type TreeSource =
  | { readonly kind: 'static'; readonly paths: TreePaths }
  | { readonly kind: 'adaptive' }
  | { readonly kind: 'dynamic'; readonly calibration: HeadCalibration };

/** The tree one parallel step verifies, with the tokens its nodes stand for. */
export interface StepTree {
  readonly tree: CompiledTree;
  /** candidates[d][r]: head d's rank-r proposal (every rank the tree uses). */
  readonly candidates: readonly (readonly number[])[];
  /** Extra tokens the tree was expected to accept when it was chosen. */
  readonly expectedAccepted: number;
  /** A dynamic tree's proposals, for calibrating the heads' confidence. */
  readonly proposals?: HeadProposals;
}

/**
 * Which tree a parallel step verifies: the manifest's static tree; one grown from the running acceptance
 * estimates and the backend's cost model (adaptive, re-chosen every 16 steps); or one grown every step from
 * this step's head probabilities, calibrated per head (dynamic) — at most `budget` nodes, cut to the depth
 * that still fits the context window and the tokens left. Every verification updates the estimates, which
 * also say what a tree is expected to accept (the gate weighs its entropy bins against that).
 */
export class TreePolicy {
  private tree: CompiledTree;
  private readonly fitted = new Map<number, CompiledTree>();
  private sinceChoice = 0;
  /** Dynamic trees change every step: the gate sees running means of their cost and expected acceptance. */
  private meanRatio: number;
  private meanExpected: number;

  constructor(
    private readonly source: TreeSource,
    private readonly estimates: AcceptanceEstimates,
    private readonly cost: CostModel,
    private readonly budget: number,
    private readonly numHeads: number,
    /** A shortlisted kind's column → token id map (manifest `shortlist.ids`); absent: columns are ids. */
    private readonly columnIds?: readonly number[],
    /** 'chains': every tree is one path of top-1 candidates (the model's variant says so: `TreeShape`). */
    private readonly shape: TreeShape = 'any',
  ) {
    this.tree = this.choose();
    this.meanRatio = this.stepRatioFor(this.tree);
    this.meanExpected = this.estimates.expectedAccepted(this.tree);
  }

  /**
   * How many heads the step's heads call needs: the tree's depth, known before the heads run unless the
   * tree is grown from their output (dynamic: every head that fits).
   */
  headsDepth(maxDepth: number): number {
    if (this.source.kind === 'dynamic') return Math.min(maxDepth, this.numHeads);
    return Math.min(maxDepth, this.tree.topKPerHead.length);
  }

  /**
   * The tree for a step that may add at most `maxDepth` tokens after the root, given the heads' logits
   * [K', W] (K' >= its depth; W = V, or the shortlist's size, whose columns `columnIds` maps to token ids).
   */
  treeForStep(maxDepth: number, headLogits: Float32Array, width: number): StepTree {
    const ids = this.columnIds !== undefined && width === this.columnIds.length ? this.columnIds : undefined;
    if (this.source.kind === 'dynamic') return this.dynamicTree(maxDepth, headLogits, width, ids, this.source.calibration);
    const tree = this.treeFor(maxDepth);
    const candidates = tree.topKPerHead.map((k, d) => tokenIds(topK(headLogits.subarray(d * width, (d + 1) * width), k), ids));
    return { tree, candidates, expectedAccepted: this.estimates.expectedAccepted(tree) };
  }

  /** Cost of a parallel step with the current tree, in AR steps (heads included), per the cost model. */
  stepRatio(): number {
    return this.source.kind === 'dynamic' ? this.meanRatio : this.stepRatioFor(this.tree);
  }

  stepRatioFor(tree: CompiledTree): number {
    const depth = this.source.kind === 'dynamic' ? this.numHeads : tree.topKPerHead.length;
    return parallelStepRatio(this.cost, tree.size, depth);
  }

  /** Extra tokens a verification with the current tree is expected to accept. */
  expectedAccepted(): number {
    return this.source.kind === 'dynamic' ? this.meanExpected : this.estimates.expectedAccepted(this.tree);
  }

  get size(): number {
    return this.tree.size;
  }

  /** Feeds a verification into the estimates (and a dynamic tree's calibration); an adaptive tree is re-chosen now and then. */
  record(step: StepTree, path: readonly number[]): void {
    this.estimates.record(step.tree, path);
    if (this.source.kind === 'dynamic') {
      if (step.proposals !== undefined) this.source.calibration.record(step.tree, step.proposals, path);
      this.meanRatio += (this.stepRatioFor(step.tree) - this.meanRatio) * OUTLOOK_RATE;
      this.meanExpected += (step.expectedAccepted - this.meanExpected) * OUTLOOK_RATE;
    } else if (this.source.kind === 'adaptive' && ++this.sinceChoice >= RECHOOSE_EVERY) {
      this.sinceChoice = 0;
      this.tree = this.choose();
      this.fitted.clear();
    }
  }

  private treeFor(maxDepth: number): CompiledTree {
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

  private dynamicTree(maxDepth: number, headLogits: Float32Array, width: number, ids: readonly number[] | undefined, calibration: HeadCalibration): StepTree {
    const depth = Math.min(maxDepth, this.numHeads);
    const columns = headProposals(headLogits, width, depth, MAX_RANK);
    const proposals = { ids: columns.ids.map((row) => tokenIds(row, ids)), probs: columns.probs };
    // The heads have run: their cost no longer depends on the tree's depth.
    const cost = { points: this.cost.points, headsRatio: headsRatioAt(this.cost, depth) };
    const choice = chooseTree(this.shaped(calibration.acceptance(proposals)), cost, this.budget);
    const tree = compileTree(choice.paths, this.numHeads);
    return { tree, candidates: proposals.ids, expectedAccepted: choice.expectedTokens - 1, proposals };
  }

  private choose(): CompiledTree {
    if (this.source.kind === 'static') {
      const paths = this.shape === 'chains' ? this.source.paths.filter((p) => p.every((rank) => rank === 0)) : this.source.paths;
      return compileTree(paths.slice(0, this.budget), this.numHeads);
    }
    const acceptance = this.estimates.probabilities().slice(0, this.numHeads);
    return compileTree(chooseTree(this.shaped(acceptance), this.cost, this.budget).paths, this.numHeads);
  }

  /** Per-head acceptance as the tree grower sees it: a chain grows from each head's top-1 alone. */
  private shaped(acceptance: readonly (readonly number[])[]): readonly (readonly number[])[] {
    return this.shape === 'chains' ? acceptance.map((ranks) => ranks.slice(0, 1)) : acceptance;
  }
}

/** Column indices as token ids (the identity without a shortlist map). */
function tokenIds(columns: readonly number[], ids: readonly number[] | undefined): readonly number[] {
  return ids === undefined ? columns : columns.map((c) => ids[c]!);
}

/** The gate's view of the next parallel step: the current tree's cost (times the observed-cost correction) and its expected acceptance. */
export function parallelOutlook(trees: TreePolicy, costCorrection: number): ParallelOutlook {
  return { stepRatio: trees.stepRatio() * costCorrection, expectedAccepted: trees.expectedAccepted() };
}
