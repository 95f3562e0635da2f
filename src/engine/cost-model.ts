import type { BackendClass, InferenceBinding } from '../runtime/binding';
import { measureCostCurve, RUNTIME } from '../runtime/index';
import type { CostModel } from './api';
import type { Manifest } from '../model/manifest';
import { monotone } from '../tree/cost-curve';

const SIZES = [2, 4, 8, 16, 32, 64];

/**
 * Times the backend once at load: base forwards of T query tokens after `past` cached ones, and one heads
 * call (the runtime's cost-curve helper). Where the clock cannot time (workerd advances it only on I/O,
 * so a forward pass reads 0 ms) the documented fallback is used instead.
 */
export async function measureCostModel(binding: InferenceBinding, manifest: Manifest): Promise<CostModel> {
  if (RUNTIME.isWorkerd) return fallbackCostModel(binding.backendClass, manifest);
  const arch = manifest.architecture;
  const past = Math.max(1, Math.min(256, arch.max_positions - SIZES[SIZES.length - 1]! - 1));
  const curve = await measureCostCurve(binding, { architecture: arch, past, sizes: SIZES, repeats: 15 });
  // A clock that does not advance during computation reads 0 somewhere: such a curve is noise.
  const usable = curve.points.every((p) => p.medianMs > 0 && Number.isFinite(p.ratio)) && curve.headsMs > 0;
  if (!usable) return fallbackCostModel(binding.backendClass, manifest);
  return { points: monotone(curve.points), headsRatio: curve.headsRatio, source: 'measured' };
}

/**
 * Used only where timing is impossible. The curves are the medians measured for ARCHITECTURE.md's cost
 * table (5.9 M model, P = 256; the GPU row assumes a nearly flat curve); the heads' cost is estimated
 * from FLOPs: per head a D×D block (plus the 2D×D Cerberus projection) and the D×V LM head, against the
 * base model's layers and LM head.
 */
export function fallbackCostModel(backendClass: BackendClass, manifest: Manifest): CostModel {
  const ratios: Record<BackendClass, number[]> = {
    wasm: [1.06, 1.41, 1.95, 3.17, 5.63, 10.5],
    native: [1.15, 1.16, 1.43, 1.63, 2.15, 3.32],
    gpu: [1, 1, 1.02, 1.05, 1.1, 1.2],
  };
  const { d_model: d, vocab_size: v, n_layers: l, n_heads: h, n_kv_heads: hkv, head_dim: dh, ffn_hidden: f } =
    manifest.architecture;
  const baseFlops = l * (2 * d * h * dh + 2 * d * hkv * dh + 3 * d * f) + d * v;
  const k = Math.max(manifest.heads.cerberus?.num_heads ?? 0, manifest.heads.medusa?.num_heads ?? 0);
  const headsFlops = k * (3 * d * d + d * v);
  return {
    points: SIZES.map((tokens, i) => ({ tokens, ratio: ratios[backendClass][i]! })),
    headsRatio: headsFlops / baseFlops,
    source: 'fallback',
  };
}
