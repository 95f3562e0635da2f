import { describe, expect, it } from 'vitest';
import type { CostModel } from '../../src/types';
import { AcceptanceEstimates } from '../../src/tree/acceptance-estimates';
import { chooseTree } from '../../src/tree/choose-tree';
import { compileTree } from '../../src/tree/compile-tree';
import { costRatio, monotone } from '../../src/tree/cost-curve';
import { HeadCalibration } from '../../src/tree/head-proposals';
import { TreePolicy } from '../../src/decoding/tree-policy';

const acceptance = [
  [0.6, 0.15, 0.08, 0.04],
  [0.5, 0.12, 0.06, 0.03],
  [0.4, 0.1, 0.05, 0.02],
  [0.3, 0.08, 0.04, 0.02],
];
const curve = (ratios: number[], headsRatio = 0.1): CostModel => ({
  points: [2, 4, 8, 16, 32, 64].map((tokens, i) => ({ tokens, ratio: ratios[i]! })),
  headsRatio,
  source: 'given',
});
const wasm = curve([1.06, 1.41, 1.95, 3.17, 5.63, 10.5]);
const native = curve([1.15, 1.16, 1.43, 1.63, 2.15, 3.32]);
const gpu = curve([1, 1, 1, 1.01, 1.02, 1.05]);

describe('costRatio', () => {
  it('interpolates between measured sizes and extrapolates past the last', () => {
    expect(costRatio(wasm, 1)).toBe(1);
    expect(costRatio(wasm, 3)).toBeCloseTo((1.06 + 1.41) / 2, 6);
    expect(costRatio(wasm, 128)).toBeCloseTo(10.5 + (10.5 - 5.63) * 2, 6);
  });
});

describe('monotone (cost curve clean-up)', () => {
  it('removes upward spikes and dips below cost(1)', () => {
    const measured = [1, 0.76, 0.86, 50.2, 5.81, 35.2, 49.1].map((ratio, i) => ({ tokens: 2 ** i, ratio }));
    expect(monotone(measured).map((p) => p.ratio)).toEqual([1, 1, 1, 5.81, 5.81, 35.2, 49.1]);
  });
});

describe('chooseTree', () => {
  it('grows shallower, wider trees when each head computed costs (headsRatioByDepth)', () => {
    // the same total for four heads, but one head costs a quarter of it
    const perDepth = chooseTree(acceptance, { ...wasm, headsRatio: 0.6, headsRatioByDepth: [0.15, 0.3, 0.45, 0.6] }, 63);
    const everyHead = chooseTree(acceptance, { ...wasm, headsRatio: 0.6 }, 63);
    const depth = (paths: readonly (readonly number[])[]) => Math.max(...paths.map((p) => p.length));
    expect(depth(perDepth.paths)).toBeLessThan(depth(everyHead.paths));
    expect(perDepth.speedup).toBeGreaterThan(everyHead.speedup);
  });

  it('grows bigger trees on cheaper backends', () => {
    const sizes = [wasm, native, gpu].map((c) => chooseTree(acceptance, c, 63).paths.length);
    expect(sizes[0]!).toBeLessThan(sizes[1]!);
    expect(sizes[1]!).toBeLessThan(sizes[2]!);
  });

  it('respects the budget and produces a valid tree, parents first', () => {
    for (const budget of [1, 3, 8, 20]) {
      const { paths } = chooseTree(acceptance, gpu, budget);
      expect(paths.length).toBeLessThanOrEqual(budget);
      expect(() => compileTree(paths, 4)).not.toThrow();
    }
  });

  it('starts with the most likely chain: top-1 of head 0, then its top-1 child', () => {
    const { paths } = chooseTree(acceptance, gpu, 2);
    expect(paths).toEqual([[0], [0, 0]]);
  });

  it('reports the expected tokens per step and the speedup it maximised', () => {
    const choice = chooseTree(acceptance, native, 63);
    let expected = 1;
    for (const path of choice.paths) expected += path.reduce((p, rank, depth) => p * acceptance[depth]![rank]!, 1);
    expect(choice.expectedTokens).toBeCloseTo(expected, 6);
    const size = choice.paths.length + 1;
    expect(choice.speedup).toBeCloseTo(expected / (costRatio(native, size) + native.headsRatio), 6);
  });

  it('keeps one node even when nothing pays', () => {
    const useless = acceptance.map((head) => head.map(() => 0));
    expect(chooseTree(useless, wasm, 10).paths).toEqual([[0]]);
  });
});

describe('AcceptanceEstimates', () => {
  it('starts from validation accuracy and moves towards observed acceptance', () => {
    const est = AcceptanceEstimates.fromManifest({ valid_top1: [0.6, 0.4], valid_top5: [0.8, 0.6] });
    const start = est.probabilities();
    expect(start[0]![0]).toBeCloseTo(0.6);
    expect(start[0]!.slice(1, 5).reduce((a, b) => a + b)).toBeCloseTo(0.2);
    const tree = compileTree([[0], [1], [0, 0]], 2);
    const measured = AcceptanceEstimates.fromManifest({ valid_top1: [0.6], valid_top5: [0.8], rank_accuracy: [[0.5, 0.2, 0.1]] });
    expect(measured.probabilities()[0]!.slice(0, 4)).toEqual([0.5, 0.2, 0.1, 0]);
    // Head 0's top-1 is always right, head 1's top-1 never.
    for (let i = 0; i < 200; i++) est.record(tree, [0, 1]);
    const after = est.probabilities();
    expect(after[0]![0]).toBeGreaterThan(0.95);
    expect(after[0]![1]).toBeLessThan(0.02); // [1] was a trial (its parent, the root, is always accepted)
    expect(after[1]![0]).toBeLessThan(0.05);
  });
});

describe('AcceptanceEstimates.expectedAccepted', () => {
  it('sums, over the nodes, the chance that the node and its ancestors are all accepted', () => {
    const estimates = new AcceptanceEstimates(acceptance);
    const tree = compileTree([[0], [1], [0, 0], [0, 1], [0, 0, 0]], 4);
    const expected = 0.6 + 0.15 + 0.6 * 0.5 + 0.6 * 0.12 + 0.6 * 0.5 * 0.4;
    expect(estimates.expectedAccepted(tree)).toBeCloseTo(expected, 12);
    expect(estimates.expectedAccepted(compileTree([], 4))).toBe(0);
  });

  it('agrees with the expectation chooseTree maximised for the tree it chose', () => {
    const estimates = new AcceptanceEstimates(acceptance);
    for (const cost of [wasm, native, gpu]) {
      const choice = chooseTree(acceptance, cost, 32);
      expect(estimates.expectedAccepted(compileTree(choice.paths, 4))).toBeCloseTo(choice.expectedTokens - 1, 9);
    }
  });
});

describe('TreePolicy with the chains shape (a requantising variant: manifest tree_shape "chains")', () => {
  const isChain = (paths: readonly (readonly number[])[]) =>
    paths.every((p, i) => p.length === i + 1 && p.every((rank) => rank === 0));
  const staticPaths = [[0], [1], [0, 0], [0, 1], [1, 0], [0, 0, 0], [2]];

  it('verifies only top-1 chains, adaptive, static and dynamic, where the same estimates branch otherwise', () => {
    for (const cost of [native, gpu]) {
      const branching = new TreePolicy({ kind: 'adaptive' }, new AcceptanceEstimates(acceptance), cost, 32, 4);
      const chains = new TreePolicy({ kind: 'adaptive' }, new AcceptanceEstimates(acceptance), cost, 32, 4, undefined, 'chains');
      expect(isChain(branching.treeForStep(4, new Float32Array(4 * 8), 8).tree.paths)).toBe(false);
      const chain = chains.treeForStep(4, new Float32Array(4 * 8), 8).tree.paths;
      expect(chain.length).toBeGreaterThan(0);
      expect(isChain(chain)).toBe(true);
    }
    const fixed = new TreePolicy({ kind: 'static', paths: staticPaths }, new AcceptanceEstimates(acceptance), native, 32, 4, undefined, 'chains');
    expect(fixed.treeForStep(4, new Float32Array(4 * 8), 8).tree.paths).toEqual([[0], [0, 0], [0, 0, 0]]);
    const logits = Float32Array.from({ length: 4 * 8 }, (_, i) => (i % 8 === 0 ? 4 : i % 8 === 1 ? 3.5 : 0));
    const dynamic = new TreePolicy({ kind: 'dynamic', calibration: new HeadCalibration(4) }, new AcceptanceEstimates(acceptance), gpu, 32, 4, undefined, 'chains');
    expect(isChain(dynamic.treeForStep(4, logits, 8).tree.paths)).toBe(true);
  });
});
