/**
 * Start-up calibration: how the cost of one forward grows with the number of query tokens T on this
 * backend and machine. The engine sizes its trees from `ratio` (cost(T)/cost(1)): a tree of T nodes pays
 * off when it is expected to gain more than `ratio` tokens.
 *
 * Timed with `performance.now()` around the whole `forward` (marshaling included: the engine pays it
 * too). workerd freezes the clock during execution, so there every time is 0 and every ratio NaN: use the
 * manifest's default trees there.
 */
import type { ModelArchitecture } from './architecture';
import type { InferenceBinding, LayerKv } from './binding';
import { BindingError } from './errors';
import { emptyPast } from './ort-binding';

export interface CostCurveOptions {
  /** manifest.architecture (only n_layers is read: it sizes the empty cache of the prefill). */
  readonly architecture: Pick<ModelArchitecture, 'n_layers'>;
  /** Cached positions each timed forward attends to. Default 256. */
  readonly past?: number;
  /** Query-token counts to time; 1 is always added (it is the ratios' denominator). */
  readonly sizes?: readonly number[];
  /** Timed runs per size. Default 15. */
  readonly repeats?: number;
  /**
   * Untimed rounds over all sizes for at least this long first. Default 500. V8 compiles wasm hot
   * functions with TurboFan in the background after the first calls; on a 2-core machine those compile
   * threads slow the first forwards of onnxruntime-web's 14 MB module several-fold for a second or so.
   */
  readonly warmupMs?: number;
}

export interface CostPoint {
  readonly tokens: number;
  readonly medianMs: number;
  /** Fastest run: what the machine does unloaded (the median also carries other jobs' preemptions). */
  readonly minMs: number;
  /** medianMs / medianMs at T = 1 */
  readonly ratio: number;
}

/** Structurally the engine's CostCurve (src/tree/cost-curve.ts), plus the raw times. */
export interface CostCurve {
  readonly backend: string;
  readonly past: number;
  /** Ascending T; T = 1 has ratio 1. */
  readonly points: readonly CostPoint[];
  /** One heads call on one hidden state, relative to cost(1); 0 when the binding has no heads. */
  readonly headsRatio: number;
  readonly headsMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Causal block of T tokens after P cached ones: [T, P+T], 0 = attend. */
function causalMask(t: number, p: number): Float32Array {
  const mask = new Float32Array(t * (p + t));
  for (let i = 0; i < t; i++) mask.fill(-10000, i * (p + t) + p + i + 1, (i + 1) * (p + t));
  return mask;
}

function block(t: number, start: number) {
  return {
    inputIds: Array.from({ length: t }, (_, i) => (start + i) % 2),
    positionIds: Array.from({ length: t }, (_, i) => start + i),
  };
}

/** At least one round; stops early where the clock does not advance (workerd), at most 200 rounds. */
async function warmUp(runs: readonly (() => Promise<unknown>)[], ms: number): Promise<void> {
  const start = performance.now();
  for (let round = 0; round < 200; round++) {
    for (const run of runs) await run();
    const elapsed = performance.now() - start;
    if (elapsed >= ms || elapsed === 0) return;
  }
}

export async function measureCostCurve(binding: InferenceBinding, options: CostCurveOptions): Promise<CostCurve> {
  const past = options.past ?? 256;
  const repeats = options.repeats ?? 15;
  const sizes = [...new Set([1, ...(options.sizes ?? [1, 2, 4, 8, 16, 32])])].sort((a, b) => a - b);
  if (!Number.isInteger(past) || past < 1 || !Number.isInteger(repeats) || repeats < 1 || sizes.some((t) => !Number.isInteger(t) || t < 1)) {
    throw new BindingError('invalid-input', 'measureCostCurve needs integer past >= 1, repeats >= 1 and sizes >= 1');
  }
  // A real cache: the model's own K/V for `past` tokens (token ids 0/1 exist in every vocabulary).
  const prefill = await binding.forward({ ...block(past, 0), mask: causalMask(past, 0), past: emptyPast(options.architecture), pastLength: 0 });
  const cache: readonly LayerKv[] = prefill.present;
  const inputs = new Map(sizes.map((t) => [t, { ...block(t, past), mask: causalMask(t, past), past: cache, pastLength: past }]));
  const headKind = binding.headKinds[0];
  const dModel = prefill.hidden.length / past;
  const hidden = prefill.hidden.slice(0, dModel);
  const runs = new Map<number | 'heads', () => Promise<unknown>>(
    sizes.map((t) => [t, () => binding.forward(inputs.get(t)!)] as const),
  );
  if (headKind !== undefined) runs.set('heads', () => binding.heads(headKind, hidden, 1, undefined, [1]));
  const samples = new Map([...runs.keys()].map((key) => [key, [] as number[]]));
  await warmUp([...runs.values()], options.warmupMs ?? 500);
  // Round-robin over sizes so a burst of load on the shared machine spreads over all of them.
  for (let r = 0; r < repeats; r++) {
    for (const [key, run] of runs) {
      const start = performance.now();
      await run();
      samples.get(key)!.push(performance.now() - start);
    }
  }
  const base = median(samples.get(1)!);
  const points = sizes.map((tokens) => {
    const runs = samples.get(tokens)!;
    const medianMs = median(runs);
    return { tokens, medianMs, minMs: Math.min(...runs), ratio: medianMs / base };
  });
  const headsMs = headKind === undefined ? 0 : median(samples.get('heads')!);
  return { backend: binding.backend, past, points, headsMs, headsRatio: headsMs / base };
}
