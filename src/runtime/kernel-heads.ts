/**
 * The decoding heads on the fused kernel: models/tools/heads.py's heads (Cerberus and Medusa, with or
 * without the root token, with or without a second MLP block, projected onto the shortlist or the whole
 * vocabulary) computed with the kernel's matmuls on its threads, instead of an onnxruntime session on one.
 *
 * The weights come from the heads graph the way heads.py names them (`blocks.k.linear`, `mlps.k.up|down`,
 * `shortlist/lm_head` or `lm_head`); the q|h mixing matrices ([2D, D] MatMul weights: the root's first,
 * then head 1's, 2's, …) in graph order. The binding checks the result against onnxruntime's on a probe
 * before using it (backend-kernel.ts), so a graph read wrongly falls back instead of proposing garbage.
 */
import { BindingError } from './errors';
import type { DecoderExports } from './kernel-exports';
import type { KernelHeap } from './kernel-heap';
import type { KernelSplit } from './kernel-threads';
import { readGraphWeights, transposed, type FloatInitializer } from './onnx-initializers';

const FLOAT = 4;

interface HeadWeights {
  /** [D, 2D]: u = [h | previous z (or the root's embedding)] · mix; absent: u = h. */
  readonly mix?: number;
  readonly block: { readonly w: number; readonly b: number };
  readonly mlp?: { readonly up: number; readonly upBias: number; readonly down: number; readonly downBias: number; readonly hidden: number };
}

function unavailable(message: string): never {
  throw new BindingError('backend-unavailable', `fused kernel heads: ${message}`);
}

export class KernelHeads {
  private readonly heads: HeadWeights[] = [];
  /** [W, D]: the shortlist's (or the vocabulary's) columns of the LM head. */
  private readonly projection: number;
  /** Columns of head_logits: the shortlist's size, or V. */
  readonly width: number;
  readonly rootReading: boolean;
  private readonly work: { cat: number; u: number; t: number; z: number; prev: number; logits: number };

  constructor(
    private readonly kernel: DecoderExports,
    private readonly heap: KernelHeap,
    private readonly split: KernelSplit,
    private readonly d: number,
    /** The base's embedding table [V, D] in kernel memory: a root-reading head reads the root's row. */
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
    const place = (data: Float32Array): number => {
      const at = heap.block(data.byteLength);
      if (at === undefined) unavailable('the weights do not fit in the kernel memory');
      heap.floats().set(data, at / FLOAT);
      return at;
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
    if (this.width % 8 !== 0 || d % 8 !== 0) unavailable(`widths must be multiples of 8 (${this.width}, ${d})`);
    this.projection = place(transposed(projection));
    let mixAt = 0;
    let widest = d;
    for (let k = 0; k < count; k++) {
      const usesMix = (k === 0 && this.rootReading) || (kind === 'cerberus' && k > 0);
      const mix = usesMix ? place(transposed(get(mixes[mixAt++]!, [2 * d, d]))) : undefined;
      const block = { w: place(get(`blocks.${k}.linear.weight`, [d, d]).data), b: place(get(`blocks.${k}.linear.bias`, [d]).data) };
      let mlp: HeadWeights['mlp'];
      const up = weights.get(`mlps.${k}.up.weight`);
      if (up !== undefined) {
        const hidden = up.dims[0]!;
        if (hidden % 8 !== 0) unavailable(`mlps.${k} width ${hidden} is not a multiple of 8`);
        widest = Math.max(widest, hidden);
        mlp = {
          up: place(get(`mlps.${k}.up.weight`, [hidden, d]).data),
          upBias: place(get(`mlps.${k}.up.bias`, [hidden]).data),
          down: place(get(`mlps.${k}.down.weight`, [d, hidden]).data),
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
    this.work = { cat: take(2 * d), u: take(d), t: take(widest), z: take(d), prev: take(d), logits: take(count * this.width) };
  }

  /** head_logits [n, depth, W] for n hidden states ([n, D]); `roots` when the heads read the root token. */
  run(hidden: Float32Array, n: number, depth: number, roots: ArrayLike<number> | undefined): Float32Array {
    const { d, kernel: k, split, work: w } = this;
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
            heap.copyWithin((w.cat + d * FLOAT) / FLOAT, (this.embedding + root * d * FLOAT) / FLOAT, (this.embedding + (root + 1) * d * FLOAT) / FLOAT);
          } else heap.copyWithin((w.cat + d * FLOAT) / FLOAT, w.prev / FLOAT, w.prev / FLOAT + d);
          split.matmul(weights.mix, w.cat, w.u, 2 * d, 1, 2 * d, d, d);
          u = w.u;
        }
        split.matmul(weights.block.w, u, w.t, d, 1, d, d, d);
        k.residualSilu(u, w.t, weights.block.b, w.z, d);
        if (weights.mlp !== undefined) {
          const m = weights.mlp;
          split.matmul(m.up, w.z, w.t, d, 1, d, m.hidden, m.hidden);
          k.biasSilu(w.t, m.upBias, m.hidden);
          split.matmul(m.down, w.t, w.u, m.hidden, 1, m.hidden, d, d);
          k.residualBias(w.z, w.u, m.downBias, d);
        }
        split.matmul(this.projection, w.z, w.logits + head * this.width * FLOAT, d, 1, d, this.width, this.width);
        heap.copyWithin(w.prev / FLOAT, w.z / FLOAT, w.z / FLOAT + d);
      }
      out.set(heap.subarray(w.logits / FLOAT, w.logits / FLOAT + depth * this.width), row * depth * this.width);
    }
    return out;
  }
}
