/**
 * Where a decoding step's time goes, phase by phase, for the benchmark's profile. Opt-in per generation
 * (`GenerateOptions.profile`): without one, the steps read no clock for it. Where the clock stands still
 * during compute (workerd) every phase reads 0.
 */
export const STEP_PHASES = [
  /** Entropy and argmax of the cursor's logits, and the gate's decision. */
  'gate',
  /** The heads call (runtime only). */
  'heads',
  /** Top-k of the head logits and the tree's node tokens. */
  'tree',
  /** Positions and the additive attention mask. */
  'masks',
  /** The base forward inside the runtime (for wasm this includes copying inputs into and outputs out of its heap). */
  'base-forward',
  /** Around the runtime calls: building input tensors, checking outputs (binding, JS side). */
  'binding',
  /** Walking the tree against the base model's argmax (or typical acceptance). */
  'verify',
  /** Appending the accepted rows' K/V to the cache. */
  'kv-compaction',
  /** Acceptance estimates, gate statistics and threshold, tree re-choice, step counters. */
  'bookkeeping',
] as const;
export type StepPhase = (typeof STEP_PHASES)[number];

export type StepKind = 'ar' | 'parallel' | 'draft';

/** Sums of milliseconds per phase and step kind, over every generation that was given this profile. */
export class StepProfile {
  readonly ms: Record<StepKind, Record<StepPhase, number>> = { ar: zeros(), parallel: zeros(), draft: zeros() };
  readonly steps: Record<StepKind, number> = { ar: 0, parallel: 0, draft: 0 };
  /** Tree nodes summed over parallel steps (mean tree size = nodes / steps). */
  treeNodes = 0;

  add(kind: StepKind, phase: StepPhase, ms: number): void {
    this.ms[kind][phase] += ms;
  }

  /** Mean ms per step of `kind`, per phase. */
  perStep(kind: StepKind): Record<StepPhase, number> {
    const n = Math.max(1, this.steps[kind]);
    const out = zeros();
    for (const phase of STEP_PHASES) out[phase] = this.ms[kind][phase] / n;
    return out;
  }
}

function zeros(): Record<StepPhase, number> {
  return Object.fromEntries(STEP_PHASES.map((p) => [p, 0])) as Record<StepPhase, number>;
}

/** Charges the time since the last lap to a phase; a no-op without a profile. */
export class Laps {
  private last: number;

  constructor(
    private readonly profile: StepProfile | undefined,
    private readonly kind: StepKind,
    /** When the step began (performance.now()); default now. */
    start?: number,
  ) {
    this.last = profile === undefined ? 0 : (start ?? performance.now());
    if (profile !== undefined) profile.steps[kind]++;
  }

  lap(phase: StepPhase): void {
    if (this.profile === undefined) return;
    const now = performance.now();
    this.profile.add(this.kind, phase, now - this.last);
    this.last = now;
  }

  /** Splits `wallMs` of a runtime call already lapped as `binding` into the runtime's own time and the rest. */
  runtime(phase: StepPhase, runtimeMs: number): void {
    if (this.profile === undefined) return;
    this.profile.add(this.kind, phase, runtimeMs);
    this.profile.add(this.kind, 'binding', -runtimeMs);
  }
}
