import type { GatePolicy, LearnedState } from '../types';
import { mulberry32, type Prng } from '../sampling/prng';
import { binOf, estimateThreshold, type ParallelOutlook } from './estimate-threshold';

/** Per bin, observations beyond this are down-weighted so old behaviour fades (exponential forgetting). */
export const MAX_STEPS_PER_BIN = 256;
/** Parallel steps of its own a session needs (at and above an entropy) before its arm comparison may close the gate there. */
export const ARM_MIN_STEPS = 8;
/** The arm comparison forgets with this horizon (parallel steps), so an arm that starts paying reopens. */
export const ARM_HORIZON = 64;
/**
 * The arm closes only when even its optimistic estimate loses: its tokens plus this many standard errors of
 * their sum. A step accepts 0-4 extra tokens, so 8 steps of an arm that pays 1.25× on average (2 tokens for
 * 1.6 AR steps, 1.1 tokens spread) look below break-even about one time in seven; with this margin, one in
 * fifty (normal approximation, not measured). A wrong closure is dear: a closed bin is measured again only by exploration, and as its evidence fades.
 */
export const ARM_CONFIDENCE_Z = 1;

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
  /**
   * This session's own parallel arm per entropy bin: steps, tokens they emitted (and their squares), their
   * cost in AR steps, all fading (so old evidence also drops below `ARM_MIN_STEPS` and stops judging).
   */
  private readonly arm: { steps: number[]; tokens: number[]; squares: number[]; cost: number[] };

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
    const zeros = () => this.count.map(() => 0);
    this.arm = { steps: zeros(), tokens: zeros(), squares: zeros(), cost: zeros() };
    // A seeded stream, so exploration never makes a run irreproducible.
    this.explore = mulberry32(seed);
  }

  get currentThreshold(): number {
    return this.threshold;
  }

  /**
   * true → parallel step. Above the threshold an adaptive gate still explores now and then; so it does
   * below the threshold where the arm comparison says parallel steps lose to AR in this session.
   */
  decide(entropy: number): boolean {
    if (entropy <= this.threshold && !this.parallelLosesAt(entropy)) return true;
    return this.policy.adaptive && this.explore.next() < this.policy.explorationRate;
  }

  /**
   * The bandit's check, beside the bin model: the parallel arm as this session measured it — tokens its
   * parallel steps emitted against their cost in AR steps (each step's cost as the gate saw it: the cost
   * model, times the observed correction where the clock runs) — against AR's 1 token per AR step, per
   * entropy bin. A bin is judged by the steps at its entropy and above, up to the threshold (the steps the
   * gate runs in parallel from there up), once there are `ARM_MIN_STEPS` of them (fading); it loses when even
   * their optimistic estimate (`ARM_CONFIDENCE_Z`) emits fewer tokens than they cost. So a loss at high
   * entropy lowers the gate's reach instead of closing it; when the whole arm loses (the lowest bin's check)
   * every measured step is AR; parallel steps keep running only where this session has not measured them
   * losing, whatever the bin model predicts. Exploration keeps measuring, and the comparison fades, so a
   * bin can recover. A fixed gate never moves. Measured alternatives (MT-Bench, 24 questions, onnxruntime-node,
   * Cerberus + gate over AR): one check of the whole arm that closed every bin 1.24× (it closed on chance
   * runs: a step accepts 0-4 tokens), judging a bin by its own steps 1.27×, unmeasured bins judged as the
   * bin below 1.26-1.28× (an early chance closure then stopped all measuring), this 1.30-1.33×.
   */
  parallelLosesAt(entropy: number): boolean {
    if (!this.policy.adaptive) return false;
    const from = binOf(this.edges, entropy);
    // Up to the last bin that reaches below the threshold (the bins above it ran only exploration steps).
    let to = from;
    while (to + 1 < this.count.length && this.edges[to + 1]! < this.threshold) to++;
    const { arm } = this;
    let steps = 0;
    let tokens = 0;
    let squares = 0;
    let cost = 0;
    for (let b = from; b <= to; b++) {
      steps += arm.steps[b]!;
      tokens += arm.tokens[b]!;
      squares += arm.squares[b]!;
      cost += arm.cost[b]!;
    }
    // Too few steps here and above to judge: tried, so that they are measured.
    if (steps < ARM_MIN_STEPS) return false;
    const variance = Math.max(0, squares / steps - (tokens / steps) ** 2);
    return tokens + ARM_CONFIDENCE_Z * Math.sqrt(variance * steps) < cost;
  }

  /**
   * Records a parallel step's extra accepted tokens at its entropy, with the extra tokens its tree was
   * expected to accept, then (when adaptive) re-estimates the threshold for the tree now in use.
   */
  record(entropy: number, accepted: number, expected: number, outlook: ParallelOutlook): void {
    const bin = binOf(this.edges, entropy);
    const fade = 1 - 1 / ARM_HORIZON;
    const { arm } = this;
    for (const values of [arm.steps, arm.tokens, arm.squares, arm.cost]) for (let b = 0; b < values.length; b++) values[b]! *= fade;
    arm.steps[bin]! += 1;
    arm.tokens[bin]! += 1 + accepted;
    arm.squares[bin]! += (1 + accepted) ** 2;
    arm.cost[bin]! += outlook.stepRatio;
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
