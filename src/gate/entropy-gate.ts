import type { GatePolicy, GateState } from '../engine/api';
import { mulberry32, type Prng } from '../sampling/prng';
import { binOf, estimateThreshold, type ParallelOutlook } from './estimate-threshold';

/** Per bin, observations beyond this are down-weighted so old behaviour fades (exponential forgetting). */
export const MAX_STEPS_PER_BIN = 256;

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

  constructor(
    private readonly policy: GatePolicy,
    state: GateState,
    seed = 0x9e3779b9,
  ) {
    this.threshold = policy.mode === 'fixed' ? policy.threshold : state.threshold;
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

  /** true → parallel step. Above the threshold an adaptive gate still explores now and then. */
  decide(entropy: number): boolean {
    if (entropy <= this.threshold) return true;
    return this.policy.mode === 'adaptive' && this.explore.next() < this.policy.explorationRate;
  }

  /**
   * Records a parallel step's extra accepted tokens at its entropy, with the extra tokens its tree was
   * expected to accept, then (when adaptive) re-estimates the threshold for the tree now in use.
   */
  record(entropy: number, accepted: number, expected: number, outlook: ParallelOutlook): void {
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
    if (this.policy.mode === 'adaptive') {
      const stats = { binEdges: this.edges, sumAccepted: this.sum, sumExpected: this.expected, count: this.count };
      this.threshold = estimateThreshold(stats, outlook, this.policy);
    }
  }

  state(): GateState {
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
