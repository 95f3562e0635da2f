/**
 * The decoding heads on the fused kernel: models/tools/heads.py's heads (Cerberus and Medusa, with or
 * without the root token, with or without a second MLP block, projected onto the shortlist or the whole
 * vocabulary) computed with the kernel's matmuls on its threads, instead of an onnxruntime session on one.
 *
 * The weights come from the heads graph the way heads.py names them (`blocks.k.linear`, `mlps.k.up|down`,
 * `shortlist/lm_head` or `lm_head`); the q|h mixing matrices ([2D, D] MatMul weights: the root's first,
 * then head 1's, 2's, …) in graph order, read from the fp32 graph and quantised at load to int8, as
 * models/tools/quantize.py writes the int8 heads graph (so these heads propose what that graph does, on
 * either base). Why int8 whatever the base: at one row the heads are bound by reading their weights or by
 * the matmuls' arithmetic, and int8 is cheaper at both — `npm run bench:cost-curve -- --backends kernel
 * --past 128` on this 2-core EPYC (2026-12-03), heads of depth 4 over one AR step: 0.37 → 0.12 under the
 * fp32 base, 0.98 → 0.43 under the int8 one — at about the acceptance of fp32 heads (int8 heads on
 * onnxruntime-node: 2.93 against 2.97 tokens a step, src/engine/native-heads.ts). The binding checks the
 * result against onnxruntime's fp32 heads on a probe before using it (backend-kernel.ts), so a graph read
 * wrongly falls back instead of proposing garbage.
 */
import { BindingError } from './errors';
import type { DecoderExports } from './kernel-exports';
import type { KernelHeap } from './kernel-heap';
import type { KernelSplit } from './kernel-threads';
import { readGraphWeights, transposed, type FloatInitializer } from './onnx-initializers';
import { packInt8 } from './kernel-pack';

const FLOAT = 4;

/** A weight matrix [N, K] in kernel memory, int8 with one scale per output. */
interface Weight {
  readonly w: number;
  readonly scales: number;
}

interface HeadWeights {
  /** [D, 2D]: u = [h | previous z (or the root's embedding)] · mix; absent: u = h. */
  readonly mix?: Weight;
  readonly block: { readonly w: Weight; readonly b: number };
  readonly mlp?: { readonly up: Weight; readonly upBias: number; readonly down: Weight; readonly downBias: number; readonly hidden: number };
}

/**
 * [N, K] fp32 to int8 with one symmetric scale per output row (max |w| / 127, rounded half to even), the
 * scheme models/tools/quantize.py writes for the int8 graphs, so these heads propose what the int8 heads
 * graph would.
 */
function quantizeWeight(data: Float32Array, n: number, k: number): { q: Int8Array; scales: Float32Array } {
  const q = new Int8Array(n * k);
  const scales = new Float32Array(n);
  for (let row = 0; row < n; row++) {
    let max = 0;
    for (let i = row * k; i < (row + 1) * k; i++) max = Math.max(max, Math.abs(data[i]!));
    const scale = Math.fround(Math.max(max, 1e-30) / 127);
    scales[row] = scale;
    for (let i = row * k; i < (row + 1) * k; i++) {
      const x = data[i]! / scale;
      let r = Math.round(x);
      if (r - x === 0.5 && r % 2 !== 0) r -= 1;  // Math.round takes halves up; numpy's round goes to even
      q[i] = Math.max(-127, Math.min(127, r));
    }
  }
  return { q, scales };
}

function unavailable(message: string): never {
  throw new BindingError('backend-unavailable', `fused kernel heads: ${message}`);
}

export class KernelHeads {
  private readonly heads: HeadWeights[] = [];
  /** [W, D]: the shortlist's (or the vocabulary's) columns of the LM head. */
  private readonly projection: Weight;
  /** Columns of head_logits: the shortlist's size, or V. */
  readonly width: number;
  readonly rootReading: boolean;
  private readonly work: { cat: number; u: number; t: number; z: number; prev: number; logits: number; quantized: number; rowScale: number };

  constructor(
    private readonly kernel: DecoderExports,
    private readonly heap: KernelHeap,
    private readonly split: KernelSplit,
    private readonly d: number,
    /** The base's embedding table [V, D] in kernel memory (packed: decoder.ts unpackRow): a root-reading head reads the root's row. */
    private readonly embedding: number,
    graphBytes: Uint8Array,
    readonly kind: 'cerberus' | 'medusa',
    readonly count: number,
  ) {
    const graph = readGraphWeights(graphBytes);
    const weights = graph.initializers;
    const get = (name: string, dims: readonly number[]): FloatInitializer => {
      const w = weights.get(name);
      if (w === undefined || w.dims.length !== dims.length || w.dims.some((x, i) => x !== dims[i])) {
        unavailable(`no fp32 initializer ${name} of shape [${dims.join(', ')}] (an int8 or unknown heads graph)`);
      }
      return w;
    };
    const place = (data: Float32Array | Int8Array): number => {
      const at = heap.store(data);
      if (at === undefined) unavailable('the weights do not fit in the kernel memory');
      return at;
    };
    // matmulQ's sizes (K a multiple of 16, N of 4, thread slices of 8) hold for the widths checked below.
    const weight = (data: Float32Array, n: number, k: number): Weight => {
      const { q, scales } = quantizeWeight(data, n, k);
      return { w: place(packInt8(q, n, k)), scales: place(scales) };
    };
    this.rootReading = graph.inputs.includes('root_token');
    const mixes = graph.matmulWeights.filter((name) => {
      const w = weights.get(name);
      return w !== undefined && w.dims.length === 2 && w.dims[0] === 2 * d && w.dims[1] === d;
    });
    const expected = (kind === 'cerberus' ? count - 1 : 0) + (this.rootReading ? 1 : 0);
    if (mixes.length !== expected) unavailable(`${mixes.length} mixing matrices, expected ${expected}`);
    const projection = weights.get('shortlist/lm_head') ?? weights.get('lm_head');
    if (projection === undefined || projection.dims.length !== 2 || projection.dims[0] !== d) unavailable('no LM head projection');
    this.width = projection.dims[1]!;
    if (this.width % 8 !== 0 || d % 16 !== 0) unavailable(`widths must be multiples of 8 (${this.width}) and 16 (${d})`);
    this.projection = weight(transposed(projection), this.width, d);
    let mixAt = 0;
    let widest = d;
    for (let k = 0; k < count; k++) {
      const usesMix = (k === 0 && this.rootReading) || (kind === 'cerberus' && k > 0);
      const mix = usesMix ? weight(transposed(get(mixes[mixAt++]!, [2 * d, d])), d, 2 * d) : undefined;
      const block = { w: weight(get(`blocks.${k}.linear.weight`, [d, d]).data, d, d), b: place(get(`blocks.${k}.linear.bias`, [d]).data) };
      let mlp: HeadWeights['mlp'];
      const up = weights.get(`mlps.${k}.up.weight`);
      if (up !== undefined) {
        const hidden = up.dims[0]!;
        if (hidden % 16 !== 0) unavailable(`mlps.${k} width ${hidden} is not a multiple of 16`);
        widest = Math.max(widest, hidden);
        mlp = {
          up: weight(get(`mlps.${k}.up.weight`, [hidden, d]).data, hidden, d),
          upBias: place(get(`mlps.${k}.up.bias`, [hidden]).data),
          down: weight(get(`mlps.${k}.down.weight`, [d, hidden]).data, d, hidden),
          downBias: place(get(`mlps.${k}.down.bias`, [d]).data),
          hidden,
        };
      }
      this.heads.push({ ...(mix === undefined ? {} : { mix }), block, ...(mlp === undefined ? {} : { mlp }) });
    }
    const take = (floats: number) => {
      const at = heap.block(floats * FLOAT);
      if (at === undefined) unavailable('no memory for the heads');
      return at;
    };
    // quantized: one input row as i16 (at most max(2D, widest) of them, 2 bytes each).
    this.work = {
      cat: take(2 * d), u: take(d), t: take(widest), z: take(d), prev: take(d), logits: take(count * this.width),
      quantized: take(Math.max(2 * d, widest) / 2), rowScale: take(1),
    };
  }

  /** y = x · W for one row x of k floats into n outputs: the row quantised, then the int8 matmul. */
  private project(p: Weight, x: number, y: number, k: number, n: number): void {
    const w = this.work;
    this.kernel.quantizeRows(x, k, k, 1, w.quantized, w.rowScale);
    this.split.matmulQ(p.w, p.scales, w.quantized, w.rowScale, y, k, 1, n, n);
  }

  /** head_logits [n, depth, W] for n hidden states ([n, D]); `roots` when the heads read the root token. */
  run(hidden: Float32Array, n: number, depth: number, roots: ArrayLike<number> | undefined): Float32Array {
    const { d, kernel: k, work: w } = this;
    const out = new Float32Array(n * depth * this.width);
    for (let row = 0; row < n; row++) {
      const heap = this.heap.floats();
      heap.set(hidden.subarray(row * d, (row + 1) * d), w.cat / FLOAT);
      for (let head = 0; head < depth; head++) {
        const weights = this.heads[head]!;
        let u = w.cat;
        if (weights.mix !== undefined) {
          // [h | root embedding] for a root-reading first head, else [h | the previous head's z].
          if (head === 0) {
            const root = roots?.[row] as number;
            k.unpackRow(this.embedding, root, d, w.cat + d * FLOAT);
          } else heap.copyWithin((w.cat + d * FLOAT) / FLOAT, w.prev / FLOAT, w.prev / FLOAT + d);
          this.project(weights.mix, w.cat, w.u, 2 * d, d);
          u = w.u;
        }
        this.project(weights.block.w, u, w.t, d, d);
        k.residualSilu(u, w.t, weights.block.b, w.z, d);
        if (weights.mlp !== undefined) {
          const m = weights.mlp;
          this.project(m.up, w.z, w.t, d, m.hidden);
          k.biasSilu(w.t, m.upBias, m.hidden);
          this.project(m.down, w.t, w.u, m.hidden, d);
          k.residualBias(w.z, w.u, m.downBias, d);
        }
        this.project(this.projection, w.z, w.logits + head * this.width * FLOAT, d, this.width);
        heap.copyWithin(w.prev / FLOAT, w.z / FLOAT, w.z / FLOAT + d);
      }
      out.set(heap.subarray(w.logits / FLOAT, w.logits / FLOAT + depth * this.width), row * depth * this.width);
    }
    return out;
  }
}
