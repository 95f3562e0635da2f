/**
 * A forward of fewer than `minRows` tokens run as one of `minRows`: copies of the last token are appended,
 * which see what it sees plus themselves and which no real token sees; their outputs are dropped. The real
 * rows' results are unchanged (a blocked column has softmax weight exactly 0).
 *
 * Why: onnxruntime's CPU MatMul computes a 1-row input on another code path than 2 or more rows, and the
 * two differ in the last bits (~1e-5 in fp32 logits). The int8 variant requantises every layer's input,
 * which can turn such a difference into a different rounding and logit differences of ~0.04 (measured on
 * tinystories-6m), enough for greedy Cerberus (tree blocks) to diverge from that model's AR steps (1 row).
 * With every run at 2+ rows, rows of causal blocks of 2 to 20 tokens had the AR steps' logits bit for bit
 * (branching trees can still differ in the last bits, so that variant verifies chains: tree-policy.ts).
 * Only the onnxruntime-node binding pads: onnxruntime-web's wasm kernels take the same path for one row.
 */
import type { ModelArchitecture } from './architecture';
import type { ForwardInput, ForwardOutput } from './binding';

/** The first `rows` of `total` along the sequence axis of a [1, H, total, Dh] tensor. */
function firstRows(x: Float32Array, total: number, rows: number, heads: number, dh: number): Float32Array {
  const out = new Float32Array(heads * rows * dh);
  for (let h = 0; h < heads; h++) out.set(x.subarray(h * total * dh, h * total * dh + rows * dh), h * rows * dh);
  return out;
}

export async function forwardWithMinRows(
  run: (input: ForwardInput) => Promise<ForwardOutput>,
  input: ForwardInput,
  arch: Pick<ModelArchitecture, 'n_kv_heads' | 'head_dim' | 'vocab_size' | 'd_model'>,
  minRows: number,
  blocked: number,
): Promise<ForwardOutput> {
  const t = input.inputIds.length;
  if (t >= minRows) return run(input);
  const p = input.pastLength;
  const n = minRows;
  const mask = new Float32Array(n * (p + n)).fill(blocked);
  for (let r = 0; r < n; r++) {
    const from = Math.min(r, t - 1); // pad rows copy the last real row's view
    mask.set(input.mask.subarray(from * (p + t), from * (p + t) + p + t), r * (p + n));
    if (r >= t) mask[r * (p + n) + p + r] = 0; // and see themselves
  }
  const ids = Array.from(input.inputIds);
  const pos = Array.from(input.positionIds);
  const out = await run({
    inputIds: [...ids, ...Array<number>(n - t).fill(ids[t - 1]!)],
    positionIds: [...pos, ...Array<number>(n - t).fill(pos[t - 1]!)],
    mask,
    past: input.past,
    pastLength: p,
  });
  const { n_kv_heads: heads, head_dim: dh } = arch;
  return {
    logits: out.logits.slice(0, t * arch.vocab_size),
    hidden: out.hidden.slice(0, t * arch.d_model),
    present: out.present.map((kv) => ({ key: firstRows(kv.key, n, t, heads, dh), value: firstRows(kv.value, n, t, heads, dh) })),
    modelMs: out.modelMs,
  };
}
