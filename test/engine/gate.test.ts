import { describe, expect, it } from 'vitest';
import type { GatePolicy } from '../../src/engine/api';
import { isEngineError } from '../../src/engine/errors';
import { EntropyGate } from '../../src/gate/entropy-gate';
import { binOf, estimateThreshold } from '../../src/gate/estimate-threshold';
import { initialGateState, PRIOR_STEPS_PER_BIN, restoreGateState } from '../../src/gate/gate-state';
import { ObservedCost } from '../../src/gate/observed-cost';

const edges = [0, 1, 2, 3, 4, 6];
const adaptive: GatePolicy = { mode: 'adaptive', threshold: 2.5, min: 0.5, max: 5, explorationRate: 0 };
const calibration = { bin_edges: edges, mean_accepted: [2, 1.5, 1, 0.5, 0.1], count: [500, 400, 300, 200, 10] };

describe('estimateThreshold', () => {
  const stats = { binEdges: edges, sumAccepted: [20, 15, 10, 5, 1], count: [10, 10, 10, 10, 10] };

  it('is the upper edge of the highest bin where (1 + E[accepted]) / cost > 1', () => {
    // means 2, 1.5, 1, 0.5, 0.1; a step costing 1.8 AR steps pays while E[accepted] > 0.8
    expect(estimateThreshold(stats, 1.8, { min: 0, max: 10 })).toBe(3);
  });

  it('rises when parallel steps get cheaper and falls when they get dearer', () => {
    const cheap = estimateThreshold(stats, 1.3, { min: 0, max: 10 });
    const dear = estimateThreshold(stats, 2.6, { min: 0, max: 10 });
    expect(cheap).toBe(4);
    expect(dear).toBe(1);
    expect(estimateThreshold(stats, 4, { min: 0, max: 10 })).toBe(0);
  });

  it('is clamped by the policy, and ignores bins without observations', () => {
    expect(estimateThreshold(stats, 1.3, { min: 0, max: 3.5 })).toBe(3.5);
    expect(estimateThreshold(stats, 4, { min: 0.5, max: 10 })).toBe(0.5);
    const sparse = { ...stats, count: [10, 10, 0, 0, 0] };
    expect(estimateThreshold(sparse, 1.1, { min: 0, max: 10 })).toBe(2);
  });

  it('bins entropies, clamping outliers into the end bins', () => {
    expect([0, 0.99, 1, 5.9, 6, 99, -1].map((h) => binOf(edges, h))).toEqual([0, 0, 1, 4, 4, 4, 0]);
  });
});

describe('EntropyGate', () => {
  it('decides parallel at or below the threshold, AR above', () => {
    const gate = new EntropyGate(adaptive, initialGateState(calibration, adaptive));
    expect(gate.currentThreshold).toBe(2.5);
    expect(gate.decide(2.5)).toBe(true);
    expect(gate.decide(2.51)).toBe(false);
  });

  it('starts from the calibration, weighted as a few steps per bin', () => {
    const state = initialGateState(calibration, adaptive);
    expect(state.count).toEqual([PRIOR_STEPS_PER_BIN, PRIOR_STEPS_PER_BIN, PRIOR_STEPS_PER_BIN, PRIOR_STEPS_PER_BIN, 10]);
    expect(state.sumAccepted[0]).toBeCloseTo(2 * PRIOR_STEPS_PER_BIN);
  });

  it('raises its threshold when high-entropy steps turn out to accept a lot', () => {
    const gate = new EntropyGate(adaptive, initialGateState(calibration, adaptive));
    gate.reestimate(1.8);
    expect(gate.currentThreshold).toBe(3); // calibration: bins up to [2,3) pay at cost 1.8
    for (let i = 0; i < 100; i++) gate.record(3.5, 2, 1.8);
    expect(gate.currentThreshold).toBe(4);
  });

  it('lowers its threshold when low-entropy steps accept nothing', () => {
    const gate = new EntropyGate(adaptive, initialGateState(calibration, adaptive));
    gate.reestimate(1.8);
    for (let i = 0; i < 100; i++) {
      gate.record(1.5, 0, 1.8);
      gate.record(2.5, 0, 1.8);
    }
    expect(gate.currentThreshold).toBe(1);
  });

  it('explores above the threshold at about the configured rate, reproducibly', () => {
    const policy = { ...adaptive, explorationRate: 0.2 };
    const run = () => {
      const gate = new EntropyGate(policy, initialGateState(calibration, policy));
      return Array.from({ length: 2000 }, () => gate.decide(5));
    };
    const decisions = run();
    expect(run()).toEqual(decisions);
    expect(decisions.filter(Boolean).length / decisions.length).toBeCloseTo(0.2, 1);
  });

  it('in fixed mode never moves and never explores', () => {
    const fixed: GatePolicy = { mode: 'fixed', threshold: 2, min: 0, max: 8, explorationRate: 0.5 };
    const gate = new EntropyGate(fixed, initialGateState(calibration, fixed));
    for (let i = 0; i < 50; i++) gate.record(3.5, 3, 1.1);
    gate.reestimate(1.1);
    expect(gate.currentThreshold).toBe(2);
    expect(Array.from({ length: 200 }, () => gate.decide(2.01)).some(Boolean)).toBe(false);
  });

  it('serialises to JSON and restores to the same behaviour', () => {
    const gate = new EntropyGate(adaptive, initialGateState(calibration, adaptive));
    for (let i = 0; i < 40; i++) gate.record(3.5, 3, 1.5);
    const json = JSON.stringify(gate.state());
    const restored = new EntropyGate(adaptive, restoreGateState(JSON.parse(json)));
    expect(restored.state()).toEqual(gate.state());
    gate.record(0.5, 1, 1.5);
    restored.record(0.5, 1, 1.5);
    expect(restored.state()).toEqual(gate.state());
  });

  it('rejects a malformed persisted state with a typed error', () => {
    const good = initialGateState(calibration, adaptive);
    const bad = [
      null,
      { ...good, version: 2 },
      { ...good, count: [1, 2] },
      { ...good, binEdges: [0, 2, 1, 3, 4, 5] },
      { ...good, threshold: Number.NaN },
      { ...good, sumAccepted: [-1, 0, 0, 0, 0] },
    ];
    for (const state of bad) {
      let caught: unknown;
      try {
        restoreGateState(state);
      } catch (error) {
        caught = error;
      }
      expect(isEngineError(caught, 'invalid-gate-state'), JSON.stringify(state)).toBe(true);
    }
  });
});

describe('ObservedCost', () => {
  it('stays neutral until both step kinds were observed, and where the clock reads 0', () => {
    const cost = new ObservedCost();
    for (let i = 0; i < 100; i++) cost.recordParallel(3, 1.5);
    expect(cost.correction()).toBe(1);
    for (let i = 0; i < 100; i++) cost.recordAr(0);
    expect(cost.correction()).toBe(1);
  });

  it('reports how much dearer parallel steps really are than the cost model says', () => {
    const cost = new ObservedCost();
    // AR steps take 1 ms; parallel steps predicted at 1.5 AR steps take 3 ms: twice the prediction.
    for (let i = 0; i < 200; i++) {
      cost.recordAr(1);
      cost.recordParallel(3, 1.5);
    }
    expect(cost.correction()).toBeCloseTo(2, 6);
    // A gate fed the corrected ratio stops paying for bins the raw model would still run in parallel.
    const stats = { binEdges: edges, sumAccepted: [20, 15, 10, 5, 1], count: [10, 10, 10, 10, 10] };
    expect(estimateThreshold(stats, 1.5, { min: 0, max: 10 })).toBe(3);
    expect(estimateThreshold(stats, 1.5 * cost.correction(), { min: 0, max: 10 })).toBe(0);
  });
});
