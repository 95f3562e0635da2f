import { describe, expect, it } from 'vitest';
import { compileTree } from '../../src/tree/compile-tree';
import { HeadCalibration, headProposals } from '../../src/tree/head-proposals';

const V = 6;
/** Two heads over a vocabulary of 6: head 0 sure of token 2, head 1 torn between tokens 4 and 1. */
const logits = Float32Array.from([0, 0, 8, 0, 0, 0, 0, 3, 0, 0, 3, 0]);

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('headProposals', () => {
  it('gives each head its top candidates with their softmax probabilities', () => {
    const p = headProposals(logits, V, 2, 3);
    expect(p.ids[0]![0]).toBe(2);
    expect(p.ids[1]!.slice(0, 2).sort()).toEqual([1, 4]);
    const head0 = softmax([0, 0, 8, 0, 0, 0]);
    expect(p.probs[0]![0]).toBeCloseTo(head0[2]!, 9);
    expect(p.probs[1]![0]).toBeCloseTo(softmax([0, 3, 0, 0, 3, 0])[1]!, 9);
  });

  it('reads only the heads asked for', () => {
    expect(headProposals(logits, V, 1, 2).ids).toHaveLength(1);
  });
});

describe('HeadCalibration', () => {
  it('starts at the raw probabilities and learns how far off a head is', () => {
    const proposals = { ids: [[2, 0], [4, 1]], probs: [[0.9, 0.02], [0.5, 0.4]] };
    const calibration = new HeadCalibration(2);
    expect(calibration.acceptance(proposals)).toEqual(proposals.probs);
    // Tree: head 0 rank 0, under it head 1 rank 0. Head 0 always accepted, head 1 never.
    const tree = compileTree([[0], [0, 0]], 2);
    for (let i = 0; i < 200; i++) calibration.record(tree, proposals, [0, 1]);
    const [head0, head1] = calibration.acceptance(proposals);
    expect(head0![0]).toBeGreaterThan(0.95); // accepted every time at probability 0.9: scaled up (capped at 1)
    expect(head0![0]).toBeLessThanOrEqual(1);
    expect(head1![0]).toBeLessThan(0.05); // trials at 0.5, never accepted
  });

  it('does not count a node whose parent was rejected', () => {
    const proposals = { ids: [[2], [4]], probs: [[0.5], [0.5]] };
    const calibration = new HeadCalibration(2);
    const tree = compileTree([[0], [0, 0]], 2);
    for (let i = 0; i < 100; i++) calibration.record(tree, proposals, [0]); // head 0 rejected
    const [head0, head1] = calibration.acceptance(proposals);
    expect(head0![0]).toBeLessThan(0.1);
    expect(head1![0]).toBe(0.5); // no trials for head 1: still the raw probability
  });
});
