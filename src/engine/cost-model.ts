import { HEAD_KINDS, type BackendClass, type HeadKind, type InferenceBinding, type LayerKv } from '../runtime/binding';
import { RUNTIME } from '../runtime/index';
import { KvCache } from '../kv/kv-cache';
import { causalMask } from '../tree/causal-mask';
import type { CostModel } from '../types';
import type { Manifest } from '../model/manifest';
import { monotone } from '../tree/cost-curve';

/**
 * Tree sizes timed at load: every size up to 8 (trees are mostly that small, and a backend's cost need not
 * be linear between powers of two: the fused kernel runs rows in pairs, so 3 rows cost a pair and a lone row,
 * 1.6-1.9 AR steps in this machine's loads against 1.15-1.25 for 2 and 1.7-2.1 for 4, where a line from 2 to 4
 * says 1.4-1.6), then sparser.
 */
const SIZES = [2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 64];
/** The sizes of the built-in fallback table (`fallbackCostModel`). */
const FALLBACK_SIZES = [2, 4, 8, 16, 32, 64];

/**
 * Times the backend once at load, in the pattern decoding runs its calls in: AR steps back to back (T = 1
 * forwards), and parallel steps as the heads call followed by a T-node forward. The order can matter: in one
 * measurement on wasm a forward that followed the heads cost about twice one that followed a forward (the two
 * graphs' weights evicting each other from the caches, presumably), and a round-robin over sizes — what the
 * runtime's cost-curve helper does for its table — then makes T = 1 look dear and trees cheap (heads + 6
 * nodes = 2.46 AR steps in the pattern, 1.62 by round-robin; under heavier load the effect was smaller or
 * absent: docs/benchmarks/README.md, `npm run bench:pattern`). The pattern is what decoding pays. Where the clock
 * cannot time (workerd advances it only on I/O, so a forward pass reads 0 ms) the documented fallback is used.
 */
export async function measureCostModel(binding: InferenceBinding, manifest: Manifest, stepCosts?: StepCostsByClass): Promise<CostModel> {
  const selectable = binding.depthSelectable.length > 0;
  const fallback = () => fallbackCostModel(costClassOf(binding), manifest, selectable, binding.rootReading, stepCosts, binding.headKinds);
  if (RUNTIME.isWorkerd) return fallback();
  const arch = manifest.architecture;
  const past = Math.max(1, Math.min(256, arch.max_positions - SIZES[SIZES.length - 1]! - 1));
  const pattern = await measureDecodingPattern(binding, manifest, past, 15);
  // A clock that does not advance during computation reads 0 somewhere: such a curve is noise.
  const usable = pattern.arMs > 0 && (pattern.headsMs > 0 || binding.headKinds.length === 0) && pattern.forwardMs.every((ms) => ms > 0);
  if (!usable) return fallback();
  const points = SIZES.map((tokens, i) => ({ tokens, ratio: pattern.forwardMs[i]! / pattern.arMs }));
  const byDepth = pattern.headsMsByDepth.length > 0 ? { headsRatioByDepth: pattern.headsMsByDepth.map((ms) => ms / pattern.arMs) } : {};
  return { points: monotone(points), headsRatio: pattern.headsMs / pattern.arMs, ...byDepth, source: 'measured' };
}

export interface DecodingPattern {
  /** Median of a T = 1 forward that follows a T = 1 forward. */
  readonly arMs: number;
  /** Median of a heads call (every head) that follows a forward. */
  readonly headsMs: number;
  /** Where the heads graph can skip heads: per depth d (index d - 1), median of a call for d heads; else empty. */
  readonly headsMsByDepth: readonly number[];
  /** Per SIZES[i]: median of a forward of that many nodes that follows a heads call. */
  readonly forwardMs: readonly number[];
}

/** AR stretches and parallel steps of every size, round-robin over rounds so load bursts spread over all. */
export async function measureDecodingPattern(binding: InferenceBinding, manifest: Manifest, past: number, rounds: number): Promise<DecodingPattern> {
  const arch = manifest.architecture;
  const maskValue = manifest.base.mask_value;
  const empty: LayerKv[] = Array.from({ length: arch.n_layers }, () => ({ key: new Float32Array(0), value: new Float32Array(0) }));
  const ids = (n: number, from: number) => Array.from({ length: n }, (_, i) => (from + i) % 2); // ids 0 and 1 exist in every vocabulary
  const positions = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i);
  const prefill = await binding.forward({ inputIds: ids(past, 0), positionIds: positions(past, 0), mask: causalMask(0, past, maskValue), past: empty, pastLength: 0 });
  // The past held where a session holds it (a binding with its own storage reads it in place; copied in, a
  // 256-position past cost the fused kernel more than its forward and made every tree look cheap).
  const cache = new KvCache(arch.n_layers, arch.n_kv_heads, arch.head_dim, arch.max_positions, binding.kvStorage);
  cache.append(ids(past, 0), prefill.present, past);
  const held = { past: cache.past(), pastLength: past, pastLayout: cache.layout };
  const input = (t: number) => ({ inputIds: ids(t, past), positionIds: positions(t, past), mask: causalMask(past, t, maskValue), ...held });
  const one = input(1);
  const trees = SIZES.map(input);
  const hidden = prefill.hidden.slice(0, arch.d_model);
  const kind = binding.headKinds[0];
  const heads = (depth?: number) => (kind === undefined ? Promise.resolve() : binding.heads(kind, hidden, 1, depth, [1]));
  const numHeads = kind === undefined ? 0 : (manifest.heads[kind]?.num_heads ?? 0);
  const depths = kind !== undefined && binding.depthSelectable.includes(kind) ? Array.from({ length: numHeads }, (_, i) => i + 1) : [];
  const timed = async (run: () => Promise<unknown>) => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  const ar: number[] = [];
  const headsMs: number[] = [];
  const byDepth: number[][] = depths.map(() => []);
  const forwardMs: number[][] = SIZES.map(() => []);
  // Two warm-up rounds, not timed.
  for (let round = -2; round < rounds; round++) {
    // The first AR steps after parallel ones are not back to back yet: run them untimed.
    for (let i = 0; i < 3; i++) await binding.forward(one);
    for (let i = 0; i < 5; i++) {
      const ms = await timed(() => binding.forward(one));
      if (round >= 0) ar.push(ms);
    }
    for (const [i, tree] of trees.entries()) {
      const h = await timed(() => heads());
      const f = await timed(() => binding.forward(tree));
      if (round < 0) continue;
      headsMs.push(h);
      forwardMs[i]!.push(f);
    }
    // Each depth's call also follows a forward, as in decoding.
    for (const [i, depth] of depths.entries()) {
      await binding.forward(one);
      const h = await timed(() => heads(depth));
      if (round >= 0) byDepth[i]!.push(h);
    }
  }
  cache.dispose();
  return {
    arMs: median(ar),
    headsMs: kind === undefined ? 0 : median(headsMs),
    headsMsByDepth: byDepth.map(median),
    forwardMs: forwardMs.map(median),
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The manifest's measured step costs (`step_costs`, or a base variant's own). */
export type StepCostsByClass = NonNullable<Manifest['step_costs']>;

/** Whose costs price a binding's steps: its backend class, except the fused kernel, which has its own. */
export type CostClass = keyof StepCostsByClass;

export function costClassOf(binding: Pick<InferenceBinding, 'backend' | 'backendClass'>): CostClass {
  return binding.backend === 'kernel' ? 'kernel' : binding.backendClass;
}

/**
 * Used only where timing is impossible. Where the manifest carries measured step costs for the backend class
 * (`stepCosts`: the top-level `step_costs` for the fp32 base, a variant's own for it; models/tools/step_costs.py),
 * they are the model: the forward curve, and the heads call per depth of the dearest kind loaded. Otherwise the
 * curve is the manifest's `cost_curves` for the backend class — the
 * one the model tools sized the static trees and the gate's default threshold with — and otherwise the
 * same table built in (`COST_CURVES` in models/tools/trees.py: medians measured here, 5.9 M model, P = 256; the GPU row assumes a nearly flat
 * curve). The heads' cost is estimated from FLOPs against the base model's layers and LM head: per head a
 * D×D block (plus the 2D×D Cerberus projection after the first head, and on the first head of kinds that
 * read the root token, `rootReading`) and the LM head onto the shortlist
 * where the heads have one (S columns, else V); per depth where `depthSelectable` (the heads graph computes
 * only the heads asked for). For tinystories-6m (shortlist 1024) this says 0.29 of an AR step for four heads and
 * 0.06 for one (counting V columns it said 0.86); measured in workerd: 0.17 and 0.06.
 */
export function fallbackCostModel(
  costClass: CostClass,
  manifest: Manifest,
  depthSelectable = false,
  rootReading: readonly HeadKind[] = [],
  stepCosts?: StepCostsByClass,
  kinds: readonly HeadKind[] = HEAD_KINDS,
): CostModel {
  const measured = stepCosts?.[costClass];
  if (measured !== undefined) return measuredFallback(measured, depthSelectable, kinds);
  // Without measured kernel costs, the kernel is priced as wasm: compute-bound SIMD like onnxruntime-web's.
  const backendClass: BackendClass = costClass === 'kernel' ? 'wasm' : costClass;
  const builtIn: Record<BackendClass, number[]> = {
    wasm: [1.06, 1.41, 1.95, 3.17, 5.63, 10.5],
    native: [1.15, 1.16, 1.43, 1.63, 2.15, 3.32],
    gpu: [1, 1, 1.02, 1.05, 1.1, 1.2],
  };
  const { d_model: d, vocab_size: v, n_layers: l, n_heads: h, n_kv_heads: hkv, head_dim: dh, ffn_hidden: f } =
    manifest.architecture;
  const baseFlops = l * (2 * d * h * dh + 2 * d * hkv * dh + 3 * d * f) + d * v;
  // The dearer kind (Cerberus's projections), so neither kind's trees are sized on too cheap a call.
  const perKind = Object.entries(manifest.heads).map(([kind, heads]) => {
    const s = heads?.shortlist?.size ?? v;
    const mixes = (i: number) => (kind === 'cerberus' && i > 0) || (i === 0 && rootReading.includes(kind as HeadKind));
    return Array.from({ length: heads?.num_heads ?? 0 }, (_, i) => d * d + (mixes(i) ? 2 * d * d : 0) + d * s);
  });
  const k = Math.max(0, ...perKind.map((flops) => flops.length));
  const cumulative = Array.from({ length: k }, (_, depth) =>
    Math.max(...perKind.map((flops) => flops.slice(0, depth + 1).reduce((a, b) => a + b, 0))),
  );
  const headsFlops = cumulative[k - 1] ?? 0;
  const given = manifest.cost_curves?.[backendClass];
  const points =
    given === undefined
      ? FALLBACK_SIZES.map((tokens, i) => ({ tokens, ratio: builtIn[backendClass][i]! }))
      : given.filter(([tokens]) => tokens > 1).map(([tokens, ratio]) => ({ tokens, ratio }));
  const byDepth = depthSelectable && k > 0 ? { headsRatioByDepth: cumulative.map((flops) => flops / baseFlops) } : {};
  return { points, headsRatio: headsFlops / baseFlops, ...byDepth, source: 'fallback' };
}

function measuredFallback(costs: NonNullable<StepCostsByClass['wasm']>, depthSelectable: boolean, kinds: readonly HeadKind[]): CostModel {
  const points = costs.forward.filter(([tokens]) => tokens > 1).map(([tokens, ratio]) => ({ tokens, ratio }));
  const perKind = kinds.map((k) => costs.heads[k]).filter((r): r is number[] => r !== undefined);
  const depth = Math.max(0, ...perKind.map((r) => r.length));
  // The dearer kind at every depth (a kind with fewer heads counts at its deepest), never falling with depth.
  const byDepth: number[] = [];
  for (let d = 0; d < depth; d++) byDepth.push(Math.max(byDepth[d - 1] ?? 0, ...perKind.map((r) => r[Math.min(d, r.length - 1)]!)));
  const headsRatio = byDepth[depth - 1] ?? 0;
  return { points: monotone(points), headsRatio, ...(depthSelectable && depth > 0 ? { headsRatioByDepth: byDepth } : {}), source: 'fallback' };
}
