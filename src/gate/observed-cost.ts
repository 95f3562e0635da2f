/** Samples of each step kind before the observed times are trusted. */
const MIN_SAMPLES = 8;
/** Weight of a new sample once the running means are warm (about the last 50 steps count). */
const RATE = 0.02;

/**
 * Corrects the cost model with the step times a model actually sees. The start-up curve is a median of
 * isolated forwards; in real decoding a parallel step also pays the heads call, mask building and
 * verification, and on a shared machine longer calls catch more of other jobs' stalls. Shared by all
 * sessions of a model (the machine's load is not a session's business); clock-less hosts (workerd) record
 * nothing, so the correction stays 1 there.
 */
export class ObservedCost {
  private arMs = 0;
  private arSamples = 0;
  /** Running mean of parallel-step ms divided by the cost model's predicted ratio for its tree. */
  private parallelMsPerRatio = 0;
  private parallelSamples = 0;

  recordAr(ms: number): void {
    if (!(ms > 0)) return;
    this.arSamples++;
    this.arMs += (ms - this.arMs) * Math.max(RATE, 1 / this.arSamples);
  }

  recordParallel(ms: number, predictedRatio: number): void {
    if (!(ms > 0) || !(predictedRatio > 0)) return;
    this.parallelSamples++;
    const sample = ms / predictedRatio;
    this.parallelMsPerRatio += (sample - this.parallelMsPerRatio) * Math.max(RATE, 1 / this.parallelSamples);
  }

  /** Factor to apply to the cost model's parallel-step ratio; 1 until both step kinds were seen enough. */
  correction(): number {
    if (this.arSamples < MIN_SAMPLES || this.parallelSamples < MIN_SAMPLES) return 1;
    return Math.min(4, Math.max(0.25, this.parallelMsPerRatio / this.arMs));
  }
}
