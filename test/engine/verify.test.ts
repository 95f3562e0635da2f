import { describe, expect, it } from 'vitest';
import { typicalRule, verifyTree } from '../../src/decoding/verify';
import { distribution } from '../../src/sampling/logits';
import { compileTree } from '../../src/tree/compile-tree';

const V = 8;

/** Logits [T, V] from one row per node. */
function logitsOf(rows: readonly (readonly number[])[]): Float32Array {
  return Float32Array.from(rows.flat());
}

/** A row whose argmax is `token`, with logit `high` there and 0 elsewhere. */
function peaked(token: number, high = 5): number[] {
  return Array.from({ length: V }, (_, i) => (i === token ? high : 0));
}

describe('greedy verification', () => {
  // root ─ 1:[0] ─ 3:[0,0] ─ 5:[0,0,0]
  //      └ 2:[1] ─ 4:[1,0]
  const tree = compileTree([[0], [1], [0, 0], [1, 0], [0, 0, 0]], 4);

  it('accepts the longest path that follows the argmax chain', () => {
    const nodeTokens = Int32Array.from([7, 2, 3, 4, 5, 6]);
    // root predicts 3 (node 2), node 2 predicts 5 (node 4), node 4 predicts 1 (no child).
    const rows = [peaked(3), peaked(0), peaked(5), peaked(0), peaked(1), peaked(0)];
    expect(verifyTree(tree, nodeTokens, logitsOf(rows), V, { kind: 'greedy' }).path).toEqual([0, 2, 4]);
  });

  it('accepts only the root when no candidate matches', () => {
    const nodeTokens = Int32Array.from([7, 2, 3, 4, 5, 6]);
    const rows = [peaked(1), peaked(0), peaked(0), peaked(0), peaked(0), peaked(0)];
    expect(verifyTree(tree, nodeTokens, logitsOf(rows), V, { kind: 'greedy' }).path).toEqual([0]);
  });

  it('follows a full-depth chain', () => {
    const nodeTokens = Int32Array.from([7, 2, 3, 4, 5, 6]);
    const rows = [peaked(2), peaked(4), peaked(0), peaked(6), peaked(0), peaked(0)];
    expect(verifyTree(tree, nodeTokens, logitsOf(rows), V, { kind: 'greedy' }).path).toEqual([0, 1, 3, 5]);
  });
});

describe('typical acceptance', () => {
  it('uses threshold min(epsilon, alpha·exp(-H)) with alpha = sqrt(epsilon)', () => {
    const rule = typicalRule(1, 0.09);
    expect(rule).toEqual({ kind: 'typical', temperature: 1, epsilon: 0.09, alpha: 0.3 });
  });

  it('accepts a candidate exactly when its probability is above the threshold', () => {
    const tree = compileTree([[0]], 4);
    const row = [2, 1.5, 1, 0.5, 0, 0, 0, 0];
    const dist = distribution(Float32Array.from(row), 1);
    const probs = row.map((l) => Math.exp(l - dist.logSumExp));
    const threshold = Math.min(0.09, 0.3 * Math.exp(-dist.entropy));
    for (let token = 0; token < V; token++) {
      const logits = logitsOf([row, Array(V).fill(0)]);
      const path = verifyTree(tree, Int32Array.from([0, token]), logits, V, typicalRule(1, 0.09)).path;
      expect(path.length === 2, `token ${token}: p=${probs[token]} threshold=${threshold}`).toBe(probs[token]! > threshold);
    }
    // The maths of the threshold itself: a flat distribution (H = log V) gives alpha/V.
    const flat = distribution(new Float32Array(V), 1);
    expect(flat.entropy).toBeCloseTo(Math.log(V), 6);
  });

  it('prefers the longest accepted path, and the first of equal length', () => {
    // root ─ 1:[0] ; 2:[1] ─ 3:[1,0]
    const tree = compileTree([[0], [1], [1, 0]], 4);
    const rowRoot = [3, 3, 0, 0, 0, 0, 0, 0]; // tokens 0 and 1 both likely
    const rows = [rowRoot, peaked(0), peaked(2), peaked(0)];
    const nodeTokens = Int32Array.from([5, 0, 1, 2]);
    expect(verifyTree(tree, nodeTokens, logitsOf(rows), V, typicalRule(1)).path).toEqual([0, 2, 3]);
    const shallow = Int32Array.from([5, 0, 1, 7]); // node 3 now rejected: both paths length 2
    expect(verifyTree(tree, shallow, logitsOf(rows), V, typicalRule(1)).path).toEqual([0, 1]);
  });

  it('is sharper at low temperature: a runner-up is rejected as the temperature drops', () => {
    const tree = compileTree([[0]], 4);
    const row = [3, 2, 0, 0, 0, 0, 0, 0];
    const logits = logitsOf([row, Array(V).fill(0)]);
    const tokens = Int32Array.from([0, 1]);
    expect(verifyTree(tree, tokens, logits, V, typicalRule(1)).path).toEqual([0, 1]);
    expect(verifyTree(tree, tokens, logits, V, typicalRule(0.2)).path).toEqual([0]);
  });
});
