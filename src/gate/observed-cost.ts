/** Samples of each step kind before the observed times are trusted. */
const MIN_SAMPLES = 8;
/** Weight of a new sample once the running means are warm (about the last 50 steps count). */
const RATE = 0.02;

/**
 * Corrects the cost model with the step times a model actually sees. The start-up curve is a median of
 * isolated forwards; in real decoding a parallel step also pays the heads call, mask building and
 * verification, and on a shared machine longer calls catch more of other jobs' stalls. Shared by all
 * sessions of a model (the machine's load is not a session's business); fed by StepTimer, which also
 * reads a clock that moves only across I/O (workerd).
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

/** A decoding step as the clock charges it: AR, or parallel with the cost model's ratio for its tree. */
export type TimedStep = { readonly kind: 'ar' } | { readonly kind: 'parallel'; readonly predictedRatio: number };

/**
 * Feeds an ObservedCost the time of each step, from step start to the next step's start (its compute and
 * delivering its tokens). On a clock that stands still during compute and moves only across I/O (workerd)
 * several steps can run between two readings that differ: the time that passed then belongs to all of
 * them, not to the last. Such a run is charged to its steps evenly (AR) or by their predicted ratios
 * (parallel); a run of both kinds cannot be split between the two and is left out. Measured under
 * workerd with stream chunks of 2-4 steps (int8 base, 16 MT-Bench questions): charging a whole run to its
 * last step made parallel steps look cheap, and the adaptive gate ran 78 % of the steps in parallel at
 * 0.90× AR (0.85× by totals); charged this way, 32 % at 0.95× (1.00×).
 */
export class StepTimer {
  private steps: TimedStep[] = [];
  private since = 0;

  constructor(private readonly observed: ObservedCost) {}

  /** A step starts at clock reading `now`: the steps before it are charged once the clock has moved. */
  start(now: number): void {
    const steps = this.steps;
    if (steps.length === 0 || !(now > this.since)) return;
    this.steps = [];
    const ms = now - this.since;
    if (steps.every((s) => s.kind === 'ar')) {
      for (let i = 0; i < steps.length; i++) this.observed.recordAr(ms / steps.length);
      return;
    }
    const parallel = steps.filter((s): s is Extract<TimedStep, { kind: 'parallel' }> => s.kind === 'parallel');
    if (parallel.length !== steps.length) return;
    const units = parallel.reduce((sum, s) => sum + s.predictedRatio, 0);
    for (const s of parallel) this.observed.recordParallel((ms * s.predictedRatio) / units, s.predictedRatio);
  }

  /** The step that started at `began` was `step`. */
  ran(step: TimedStep, began: number): void {
    if (this.steps.length === 0) this.since = began;
    this.steps.push(step);
  }
}
