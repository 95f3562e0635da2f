import type { GenerationStats } from '../../src/index';

/** Sums of GenerationStats over a run of generations, and the ratios the report shows. */
export class Totals {
  tokens = 0;
  wallMs = 0;
  modelMs = 0;
  jsMs = 0;
  steps = 0;
  parallelSteps = 0;
  zeroAccept = 0;
  accepted = 0;
  generations = 0;
  mismatches = 0;
  thresholds: number[] = [];

  add(s: GenerationStats, emitted: number): void {
    this.generations++;
    this.tokens += emitted;
    this.wallMs += s.wallMs;
    this.modelMs += s.modelMs;
    this.jsMs += s.jsMs;
    this.steps += s.steps;
    this.parallelSteps += s.parallelSteps;
    this.zeroAccept += s.zeroAcceptSteps;
    this.accepted += s.meanAccepted * s.parallelSteps;
    this.thresholds.push(s.threshold);
  }

  get tokensPerSecond(): number {
    return this.wallMs === 0 ? 0 : (1000 * this.tokens) / this.wallMs;
  }

  /** Tokens per step: the paper's mean accepted length (1 for AR). */
  get tokensPerStep(): number {
    return this.steps === 0 ? 0 : this.tokens / this.steps;
  }

  get meanExtraAccepted(): number {
    return this.parallelSteps === 0 ? 0 : this.accepted / this.parallelSteps;
  }

  get zeroAcceptShare(): number {
    return this.parallelSteps === 0 ? 0 : this.zeroAccept / this.parallelSteps;
  }

  get parallelShare(): number {
    return this.steps === 0 ? 0 : this.parallelSteps / this.steps;
  }
}
