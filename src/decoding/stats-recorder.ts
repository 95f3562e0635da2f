import type { GenerationStats } from '../types';

/** Collects one generation's GenerationStats. Time is counted only while the generator runs. */
export class StatsRecorder {
  private steps = 0;
  private arSteps = 0;
  private parallelSteps = 0;
  private draftSteps = 0;
  private zeroAccept = 0;
  private readonly histogram: number[] = [];
  private acceptedTotal = 0;
  private modelMs = 0;
  private activeMs = 0;
  private resumedAt = performance.now();
  treeSize = 0;

  constructor(
    readonly cachedTokens: number,
    readonly prefillTokens: number,
  ) {}

  addModelTime(ms: number): void {
    this.modelMs += ms;
  }

  arStep(): void {
    this.steps++;
    this.arSteps++;
  }

  /** `accepted`: candidates accepted beyond the root. */
  parallelStep(accepted: number): void {
    this.steps++;
    this.parallelSteps++;
    this.acceptedTotal += accepted;
    if (accepted === 0) this.zeroAccept++;
    while (this.histogram.length <= accepted) this.histogram.push(0);
    this.histogram[accepted]!++;
  }

  /** A parallel step whose candidates were a draft copied from the context. */
  draftStep(accepted: number): void {
    this.parallelStep(accepted);
    this.draftSteps++;
  }

  /** The generator is about to yield: the consumer's time is not ours. */
  pause(): void {
    this.activeMs += performance.now() - this.resumedAt;
  }

  resume(): void {
    this.resumedAt = performance.now();
  }

  /** `emitted`: tokens the caller received (steps may commit more than a limit or a stop lets through). */
  finish(threshold: number, emitted: number): GenerationStats {
    this.pause();
    return {
      steps: this.steps,
      tokens: emitted,
      arSteps: this.arSteps,
      parallelSteps: this.parallelSteps,
      draftSteps: this.draftSteps,
      zeroAcceptSteps: this.zeroAccept,
      acceptedHistogram: [...this.histogram],
      acceptedExtraTokens: this.acceptedTotal,
      meanAccepted: this.parallelSteps === 0 ? 0 : this.acceptedTotal / this.parallelSteps,
      modelMs: this.modelMs,
      jsMs: Math.max(0, this.activeMs - this.modelMs),
      wallMs: this.activeMs,
      threshold,
      cachedTokens: this.cachedTokens,
      prefillTokens: this.prefillTokens,
      treeSize: this.treeSize,
    };
  }
}
