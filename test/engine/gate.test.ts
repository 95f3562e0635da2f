import { describe, expect, it } from 'vitest';
import type { GatePolicy } from '../../src/types';
import { isEngineError } from '../../src/errors';
import { ARM_HORIZON, ARM_MIN_STEPS, EntropyGate } from '../../src/gate/entropy-gate';
import { binOf, estimateThreshold } from '../../src/gate/estimate-threshold';
import { initialLearnedState, PRIOR_STEPS_PER_BIN, restoreLearnedState } from '../../src/gate/learned-state';
import { ObservedCost, StepTimer, type TimedStep } from '../../src/gate/observed-cost';

const edges = [0, 1, 2, 3, 4, 6];
const adaptive: GatePolicy = { adaptive: true, threshold: 2.5, min: 0.5, max: 5, explorationRate: 0 };
const calibration = { bin_edges: edges, mean_accepted: [2, 1.5, 1, 0.5, 0.1], count: [500, 400, 300, 200, 10] };

/** Bin statistics whose steps were each expected to accept one token, so a_b is the plain mean at `at(r, 1)`. */
const bins = (sumAccepted: number[], count: number[]) => ({ binEdges: edges, sumAccepted, sumExpected: count, count });
const at = (stepRatio: number, expectedAccepted = 1) => ({ stepRatio, expectedAccepted });

describe('estimateThreshold', () => {
  const stats = bins([20, 15, 10, 5, 1], [10, 10, 10, 10, 10]);

  it('is the cut that maximises expected tokens per unit of time', () => {
    // means 2, 1.5, 1, 0.5, 0.1 at a step cost of 1.8 AR steps. Bin [2,3) alone beats AR ((1 + 1) / 1.8 > 1),
    // but adding it lowers the throughput reached with the two bins below (95/74 < 85/66 tokens per AR step).
    expect(estimateThreshold(stats, at(1.8), { min: 0, max: 10 })).toBe(2);
  });

  it('is not dragged up by a sparse high-entropy bin over bins that lose time', () => {
    const noisy = bins([100, 75, 15, 15, 9], [50, 50, 50, 50, 3]);
    // Bin [4,6) alone pays handsomely ((1 + 3) / 1.8), but crossing the two losing bins below it does not.
    expect(estimateThreshold(noisy, at(1.8), { min: 0, max: 10 })).toBe(2);
    const worthIt = bins([100, 75, 15, 15, 900], [50, 50, 50, 50, 300]);
    expect(estimateThreshold(worthIt, at(1.8), { min: 0, max: 10 })).toBe(6);
  });

  it('rises when parallel steps get cheaper and falls when they get dearer', () => {
    const cheap = estimateThreshold(stats, at(1.3), { min: 0, max: 10 });
    const dear = estimateThreshold(stats, at(2.6), { min: 0, max: 10 });
    expect(cheap).toBe(4);
    expect(dear).toBe(1);
    expect(estimateThreshold(stats, at(4), { min: 0, max: 10 })).toBe(0);
  });

  it('scales each bin by what the tree now in use is expected to accept', () => {
    // The bins were learned with trees expected to accept 1 token; a tree expected to accept half as much
    // halves every bin's expectation, a richer one doubles it.
    expect(estimateThreshold(stats, at(1.8, 0.5), { min: 0, max: 10 })).toBe(1);
    expect(estimateThreshold(stats, at(1.8, 2), { min: 0, max: 10 })).toBe(3);
    // Learned with a rich tree (expected 2 per step) and used with one expected to accept 1: means halve.
    const learnedRich = { ...stats, sumExpected: [20, 20, 20, 20, 20] };
    expect(estimateThreshold(learnedRich, at(1.3), { min: 0, max: 10 })).toBe(estimateThreshold(stats, at(1.3, 0.5), { min: 0, max: 10 }));
  });

  it('is clamped by the policy, and ignores bins without observations', () => {
    expect(estimateThreshold(stats, at(1.3), { min: 0, max: 3.5 })).toBe(3.5);
    expect(estimateThreshold(stats, at(4), { min: 0.5, max: 10 })).toBe(0.5);
    const sparse = bins([20, 15, 0, 0, 0], [10, 10, 0, 0, 0]);
    expect(estimateThreshold(sparse, at(1.1), { min: 0, max: 10 })).toBe(2);
  });

  it('bins entropies, clamping outliers into the end bins', () => {
    expect([0, 0.99, 1, 5.9, 6, 99, -1].map((h) => binOf(edges, h))).toEqual([0, 0, 1, 4, 4, 4, 0]);
  });
});

describe('EntropyGate', () => {
  // The calibration's overall mean: with a tree expected to accept that much, each bin expects its own mean.
  const overall = (2 * 500 + 1.5 * 400 + 1 * 300 + 0.5 * 200 + 0.1 * 10) / 1410;
  const tree = (stepRatio: number) => at(stepRatio, overall);

  it('decides parallel at or below the threshold, AR above', () => {
    const gate = new EntropyGate(adaptive, initialLearnedState(calibration, adaptive));
    expect(gate.currentThreshold).toBe(2.5);
    expect(gate.decide(2.5)).toBe(true);
    expect(gate.decide(2.51)).toBe(false);
  });

  it('starts from the calibration, weighted as a few steps per bin', () => {
    const state = initialLearnedState(calibration, adaptive);
    // Every bin is capped (the last one's 10 calibration steps too), so a session's own steps soon outweigh it.
    expect(state.count).toEqual(calibration.count.map((n) => Math.min(n, PRIOR_STEPS_PER_BIN)));
    expect(state.count.every((n) => n <= PRIOR_STEPS_PER_BIN && n > 0)).toBe(true);
    expect(state.sumAccepted[0]).toBeCloseTo(2 * PRIOR_STEPS_PER_BIN);
  });

  it('raises its threshold when high-entropy steps turn out to accept a lot', () => {
    const gate = new EntropyGate(adaptive, initialLearnedState(calibration, adaptive));
    gate.reestimate(tree(1.8));
    expect(gate.currentThreshold).toBe(2); // calibration: running bins up to [1,2) in parallel is fastest at cost 1.8
    for (let i = 0; i < 100; i++) gate.record(3.5, 2, overall, tree(1.8));
    expect(gate.currentThreshold).toBe(4);
  });

  it('lowers its threshold when low-entropy steps accept nothing', () => {
    const gate = new EntropyGate(adaptive, initialLearnedState(calibration, adaptive));
    gate.reestimate(tree(1.8));
    for (let i = 0; i < 100; i++) {
      gate.record(1.5, 0, overall, tree(1.8));
      gate.record(2.5, 0, overall, tree(1.8));
    }
    expect(gate.currentThreshold).toBe(1);
  });

  it('carries what a bin learned with one tree over to a smaller one', () => {
    const flat = { bin_edges: edges, mean_accepted: [1, 1, 1, 1, 1], count: [100, 100, 100, 100, 100] };
    const gate = new EntropyGate(adaptive, initialLearnedState(flat, adaptive));
    // With a rich tree (expected 2 extra tokens), low-entropy steps accept 3 and high-entropy ones 0.5.
    for (let i = 0; i < 300; i++) {
      gate.record(0.5, 3, 2, at(1.5, 2));
      gate.record(4.5, 0.5, 2, at(1.5, 2));
    }
    // At that tree every bin but [4,6) is worth it.
    expect(gate.currentThreshold).toBe(4);
    // A one-node tree expected to accept 0.4 at the same cost: bin [0,1) expects 0.6 and still pays; the
    // middle bins (0.4, as the calibration's flat shape says) and [4,6) (0.1) no longer do.
    gate.reestimate(at(1.5, 0.4));
    expect(gate.currentThreshold).toBe(1);
  });

  it('explores above the threshold at about the configured rate, reproducibly', () => {
    const policy = { ...adaptive, explorationRate: 0.2 };
    const run = () => {
      const gate = new EntropyGate(policy, initialLearnedState(calibration, policy));
      return Array.from({ length: 2000 }, () => gate.decide(5));
    };
    const decisions = run();
    expect(run()).toEqual(decisions);
    expect(decisions.filter(Boolean).length / decisions.length).toBeCloseTo(0.2, 1);
  });

  it('in fixed mode never moves and never explores', () => {
    const fixed: GatePolicy = { adaptive: false, threshold: 2, min: 0, max: 8, explorationRate: 0.5 };
    const gate = new EntropyGate(fixed, initialLearnedState(calibration, fixed));
    for (let i = 0; i < 50; i++) gate.record(3.5, 3, 1, at(1.1));
    gate.reestimate(at(1.1));
    expect(gate.currentThreshold).toBe(2);
    expect(Array.from({ length: 200 }, () => gate.decide(2.01)).some(Boolean)).toBe(false);
  });

  it('serialises to JSON and restores to the same behaviour', () => {
    const gate = new EntropyGate(adaptive, initialLearnedState(calibration, adaptive));
    for (let i = 0; i < 40; i++) gate.record(3.5, 3, 1.2, at(1.5, 1.2));
    const json = JSON.stringify(gate.state());
    const restored = new EntropyGate(adaptive, restoreLearnedState(JSON.parse(json)));
    expect(restored.state()).toEqual(gate.state());
    gate.record(0.5, 1, 0.8, at(1.5, 0.8));
    restored.record(0.5, 1, 0.8, at(1.5, 0.8));
    expect(restored.state()).toEqual(gate.state());
  });

  it('restores a version-1 state (stored before sumExpected), keeping its per-bin shape', () => {
    const v1 = { version: 1, threshold: 2.5, binEdges: edges, sumAccepted: [20, 15, 10, 5, 1], count: [10, 10, 10, 10, 10] };
    const restored = restoreLearnedState(JSON.parse(JSON.stringify(v1)));
    expect(restored.version).toBe(2);
    expect(restored.sumExpected).toEqual([10.2, 10.2, 10.2, 10.2, 10.2].map((v) => expect.closeTo(v, 9)));
    // With a tree expected to accept its overall mean (51 / 50), each bin expects its own mean, as in version 1.
    const gate = new EntropyGate(adaptive, restored);
    gate.reestimate(at(1.8, 51 / 50));
    expect(gate.currentThreshold).toBe(2);
  });

  it('rejects a malformed persisted state with a typed error', () => {
    const good = initialLearnedState(calibration, adaptive);
    const bad = [
      null,
      { ...good, version: 3 },
      { ...good, sumExpected: undefined },
      { ...good, sumExpected: [1, 1] },
      { ...good, count: [1, 2] },
      { ...good, binEdges: [0, 2, 1, 3, 4, 5] },
      { ...good, threshold: Number.NaN },
      { ...good, sumAccepted: [-1, 0, 0, 0, 0] },
    ];
    for (const state of bad) {
      let caught: unknown;
      try {
        restoreLearnedState(state);
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
    const stats = bins([20, 15, 10, 5, 1], [10, 10, 10, 10, 10]);
    expect(estimateThreshold(stats, at(1.5), { min: 0, max: 10 })).toBe(3);
    expect(estimateThreshold(stats, at(1.5 * cost.correction()), { min: 0, max: 10 })).toBe(0);
  });
});

describe('StepTimer', () => {
  /**
   * Runs steps (true: parallel at ratio 1.5, costing 3 ms; false: AR, 1 ms) on a clock read only once
   * `readEveryMs` have passed since its last reading (between readings it stands still, as workerd's does
   * when a stream chunk holds several steps); 0: read at every step.
   */
  function timed(kinds: readonly boolean[], readEveryMs: number): ObservedCost {
    const cost = new ObservedCost();
    const timer = new StepTimer(cost);
    let real = 0;
    let clock = 0;
    for (const parallel of kinds) {
      if (real - clock >= readEveryMs) clock = real;
      timer.start(clock);
      const step: TimedStep = parallel ? { kind: 'parallel', predictedRatio: 1.5 } : { kind: 'ar' };
      timer.ran(step, clock);
      real += parallel ? 3 : 1;
    }
    return cost;
  }

  it('charges each step its own time on a clock that runs', () => {
    const kinds = Array.from({ length: 400 }, (_, i) => i % 3 === 0);
    expect(timed(kinds, 0).correction()).toBeCloseTo(2, 6);
  });

  it('spreads the time of steps run while the clock stood still over those steps, not the last one', () => {
    // Read every 4 ms: 4 AR steps a reading, 2 parallel ones. Charged to the last step of each, AR steps
    // would look 4 ms and parallel ones 6 / 1.5 = 4 ms per AR step of prediction: a correction of 1, not 2.
    const runs = Array.from({ length: 600 }, (_, i) => Math.floor(i / 12) % 2 === 0);
    expect(timed(runs, 4).correction()).toBeCloseTo(2, 6);
  });

  it('leaves out a run of both kinds, which it cannot split', () => {
    // AR and parallel steps alternate and the clock moves every 4 ms: every run holds both kinds.
    const mixed = Array.from({ length: 400 }, (_, i) => i % 2 === 0);
    expect(timed(mixed, 4).correction()).toBe(1);
  });
});

describe('EntropyGate arm comparison (parallel arm vs AR, per session and entropy)', () => {
  const open: GatePolicy = { adaptive: true, threshold: 6, min: 6, max: 6, explorationRate: 0 };
  const fresh = (policy: GatePolicy) => new EntropyGate(policy, initialLearnedState(calibration, policy));

  it('falls back to AR once its parallel steps clearly emit fewer tokens than they cost in AR steps', () => {
    const gate = fresh(open);
    // Each step: 1 + 0.5 tokens for 2 AR steps of time: slower than plain decoding.
    for (let i = 0; i < ARM_MIN_STEPS; i++) gate.record(0.2, i % 2, 1, at(2));
    expect(gate.parallelLosesAt(0.2)).toBe(false); // too few of its own steps yet (older ones count a little less)
    expect(gate.decide(0.2)).toBe(true);
    gate.record(0.2, 1, 1, at(2));
    expect(gate.parallelLosesAt(0.2)).toBe(true);
    // The bin model still puts the threshold at the top (policy pinned), but every measured step is now AR;
    // harder steps it has not measured yet are tried once they come (and close the same way).
    expect(gate.currentThreshold).toBe(6);
    expect([0, 0.2].map((h) => gate.decide(h))).toEqual([false, false]);
    expect(gate.decide(3)).toBe(true);
    for (let i = 0; i < ARM_MIN_STEPS + 1; i++) gate.record(3, 0, 1, at(2));
    expect([0, 0.2, 3].map((h) => gate.decide(h))).toEqual([false, false, false]);
  });

  it('does not close on a window below break-even that is within its noise', () => {
    const gate = fresh(open);
    // 1 + (0, 0, 3, 0, 0, 2, 0, 0, 3, 0) tokens, 1.8 a step, for 1.9 AR steps each: below break-even in
    // this window, but with the spread of real acceptance (a step accepts 0-4), not beyond its noise.
    for (const accepted of [0, 0, 3, 0, 0, 2, 0, 0, 3, 0]) gate.record(0.2, accepted, 1, at(1.9));
    expect(gate.parallelLosesAt(0.2)).toBe(false);
    // The same mean without the spread is a measured loss.
    const steady = fresh(open);
    for (let i = 0; i < 10; i++) steady.record(0.2, 0.8, 1, at(1.9));
    expect(steady.parallelLosesAt(0.2)).toBe(true);
  });

  it('a loss at high entropy lowers its reach instead of closing it', () => {
    const gate = fresh(open);
    for (let i = 0; i < 24; i++) gate.record(0.2, 3, 1, at(2)); // [0,1): 4 tokens for 2 AR steps
    for (let i = 0; i < 24; i++) gate.record(4.5, 0, 1, at(2)); // [4,6): 1 token for 2
    expect(gate.parallelLosesAt(4.5)).toBe(true);
    // [2,4) has no steps of its own: judged by the evidence at its entropy and above, which loses.
    expect(gate.parallelLosesAt(2.5)).toBe(true);
    // [0,1), with everything above it, still pays (96 + 24 tokens for 96 AR steps, the older ones faded
    // more): it stays parallel.
    expect(gate.parallelLosesAt(0.2)).toBe(false);
    expect([0.2, 2.5, 4.5].map((h) => gate.decide(h))).toEqual([true, false, false]);
  });

  it('stays open while parallel steps pay, and reopens when they start paying again', () => {
    const gate = fresh(open);
    for (let i = 0; i < 20; i++) gate.record(0.2, 2, 1, at(2)); // 3 tokens for 2 AR steps
    expect(gate.parallelLosesAt(0.2)).toBe(false);
    expect(gate.decide(0.2)).toBe(true);
    for (let i = 0; i < 40; i++) gate.record(0.2, 0, 1, at(2)); // 1 token for 2
    expect(gate.parallelLosesAt(0.2)).toBe(true);
    for (let i = 0; i < 2 * ARM_HORIZON; i++) gate.record(0.2, 3, 1, at(2)); // what exploration would bring back
    expect(gate.parallelLosesAt(0.2)).toBe(false);
  });

  it('keeps exploring while closed, and never overrides a fixed gate', () => {
    const exploring = fresh({ ...open, explorationRate: 0.5 });
    for (let i = 0; i < 20; i++) exploring.record(0.2, 0, 1, at(2));
    const decisions = Array.from({ length: 200 }, () => exploring.decide(0.2));
    expect(decisions.filter(Boolean).length).toBeGreaterThan(60);
    expect(decisions.filter(Boolean).length).toBeLessThan(140);

    const fixed = fresh({ adaptive: false, threshold: 3, min: 0, max: 6, explorationRate: 0 });
    for (let i = 0; i < 20; i++) fixed.record(0.2, 0, 1, at(2));
    expect(fixed.parallelLosesAt(0.2)).toBe(false);
    expect(fixed.decide(2.9)).toBe(true);
  });
});
