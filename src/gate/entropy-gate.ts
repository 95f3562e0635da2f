import type { GatePolicy, LearnedState } from '../types';
import { mulberry32, type Prng } from '../sampling/prng';
import { binOf, estimateThreshold, type ParallelOutlook } from './estimate-threshold';

/** Per bin, observations beyond this are down-weighted so old behaviour fades (exponential forgetting). */
export const MAX_STEPS_PER_BIN = 256;
/** Parallel steps of its own a session needs before its arm comparison may close the gate. */
export const ARM_MIN_STEPS = 8;
/** The arm comparison forgets with this horizon (parallel steps), so an arm that starts paying reopens. */
export const ARM_HORIZON = 64;

/**
 * The entropy gate of one session: decides AR vs parallel per step and, in adaptive mode, learns its
 * threshold from the accepted lengths it observes.
 */
export class EntropyGate {
  private threshold: number;
  private readonly edges: readonly number[];
  private readonly sum: number[];
  private readonly expected: number[];
  private readonly count: number[];
  private readonly explore: Prng;
  /** This session's parallel arm: tokens its steps emitted and their cost in AR steps, fading. */
  private armTokens = 0;
  private armCost = 0;
  private armSteps = 0;

  constructor(
    private readonly policy: GatePolicy,
    state: LearnedState,
    seed = 0x9e3779b9,
  ) {
    this.threshold = !policy.adaptive ? policy.threshold : state.threshold;
    this.edges = state.binEdges;
    this.sum = [...state.sumAccepted];
    this.expected = [...state.sumExpected];
    this.count = [...state.count];
    // A seeded stream, so exploration never makes a run irreproducible.
    this.explore = mulberry32(seed);
  }

  get currentThreshold(): number {
    return this.threshold;
  }

  /**
   * true → parallel step. Above the threshold an adaptive gate still explores now and then; so it does
   * below the threshold while the arm comparison says parallel steps lose to AR in this session.
   */
  decide(entropy: number): boolean {
    if (entropy <= this.threshold && !this.parallelLoses) return true;
    return this.policy.adaptive && this.explore.next() < this.policy.explorationRate;
  }

  /**
   * The bandit's check, beside the bin model: the parallel arm as this session measured it — tokens its
   * parallel steps emitted per AR step of time (each step's cost as the gate saw it: the cost model, times
   * the observed correction where the clock runs) — against AR's 1 token per AR step. Below 1, parallel
   * steps are slower than plain decoding here, whatever the bins predict, and an adaptive gate falls back to
   * AR, keeping only its exploration (which also lets the arm recover: the comparison fades). A fixed gate
   * never moves.
   */
  get parallelLoses(): boolean {
    return this.policy.adaptive && this.armSteps >= ARM_MIN_STEPS && this.armTokens < this.armCost;
  }

  /**
   * Records a parallel step's extra accepted tokens at its entropy, with the extra tokens its tree was
   * expected to accept, then (when adaptive) re-estimates the threshold for the tree now in use.
   */
  record(entropy: number, accepted: number, expected: number, outlook: ParallelOutlook): void {
    const fade = 1 - 1 / ARM_HORIZON;
    this.armTokens = this.armTokens * fade + 1 + accepted;
    this.armCost = this.armCost * fade + outlook.stepRatio;
    this.armSteps++;
    const bin = binOf(this.edges, entropy);
    this.sum[bin]! += accepted;
    this.expected[bin]! += expected;
    this.count[bin]! += 1;
    if (this.count[bin]! > MAX_STEPS_PER_BIN) {
      const keep = MAX_STEPS_PER_BIN / this.count[bin]!;
      this.sum[bin]! *= keep;
      this.expected[bin]! *= keep;
      this.count[bin]! *= keep;
    }
    this.reestimate(outlook);
  }

  /** Re-estimates the threshold for a new tree or step cost. */
  reestimate(outlook: ParallelOutlook): void {
    if (this.policy.adaptive) {
      const stats = { binEdges: this.edges, sumAccepted: this.sum, sumExpected: this.expected, count: this.count };
      this.threshold = estimateThreshold(stats, outlook, this.policy);
    }
  }

  state(): LearnedState {
    return {
      version: 2,
      threshold: this.threshold,
      binEdges: [...this.edges],
      sumAccepted: [...this.sum],
      sumExpected: [...this.expected],
      count: [...this.count],
    };
  }
}
