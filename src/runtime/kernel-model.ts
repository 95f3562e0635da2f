/**
 * The fused decoder kernel (kernel/assembly/decoder.ts, compiled into kernel/decoder-wasm.ts) driven from JS: the weights
 * copied once into the kernel's memory in the layout it reads, then one decoder step per `forward`, each
 * layer a handful of kernel calls. Runtime-agnostic: any host with WebAssembly SIMD.
 *
 * Which base graphs it takes: the contract's (docs/model-contract.md), read the way
 * models/tools/base_graph.py's `read_base_weights` reads them: `model.lm_head` (tied), the norm weights by
 * name, and the projections as the MatMul weights in graph order, four per layer (q|k|v, out, gate|up,
 * down) — so both the written graph and a torch.onnx trace. Anything else is `backend-unavailable`.
 */
import type { ModelArchitecture } from './architecture';
import type { ForwardInput, LayerKv } from './binding';
import { BindingError } from './errors';
import type { DecoderExports } from './kernel-exports';
import { KernelHeads } from './kernel-heads';
import { KernelHeap } from './kernel-heap';
import { withHelpers, type KernelSplit } from './kernel-threads';
import { readGraphWeights, transposed, type FloatInitializer, type GraphWeights } from './onnx-initializers';
import { packF32, packInt8 } from './kernel-pack';

/** The contract's sizes plus what the kernel reads from the graph or the manifest. */
interface KernelArchitecture extends ModelArchitecture {
  readonly n_heads: number;
  readonly ffn_hidden: number;
  readonly norm_eps: number;
}

/** manifest.architecture's fields beyond the contract's that the kernel can use. */
export interface KernelHints {
  readonly norm_eps?: number;
  readonly rope_theta?: number;
}

export interface KernelStep {
  readonly logits: Float32Array;
  readonly hidden: Float32Array;
  readonly present: LayerKv[];
}

const PAGE = 65536;
const FLOAT = 4;

/** A projection's weights in kernel memory: fp32 [N, K], or int8 [N, K] with one scale per output. */
type Projection = { readonly w: number; readonly scales?: number };

interface LayerWeights {
  attnNorm: number;
  wqkv: Projection;
  wo: Projection;
  ffnNorm: number;
  wgu: Projection;
  wd: Projection;
}

const LM_HEAD = 'model.lm_head';
/** quantize.py's names: `<weight>.w8` (int8 [K, N]) and `<weight>.w8.scale` (fp32 [N]). */
const INT8_SUFFIX = '.w8';

/** Byte offsets of the per-step buffers, for `rows` query rows and `past` cached positions at most. */
interface Work {
  rows: number;
  past: number;
  x: number;
  norm: number;
  qkv: number;
  att: number;
  tmp: number;
  gu: number;
  act: number;
  hidden: number;
  logits: number;
  cos: number;
  sin: number;
  mask: number;
  /** This thread's attention scratch (helpers keep their own). */
  scores: number;
  /** An int8 projection's input rows, quantised (i16), and their scales. */
  quantized: number;
  rowScales: number;
  /** Per layer: room for a cache's K and V ([H, past, Dh]) that is not in kernel memory, and the step's own ([H, rows, Dh]). */
  pastKey: number[];
  pastValue: number[];
  newKey: number[];
  newValue: number[];
  /** The block holding all of the above. */
  start: number;
  bytes: number;
}

function unavailable(message: string): never {
  throw new BindingError('backend-unavailable', `fused kernel: ${message}`);
}

export class KernelModel {
  private readonly layers: LayerWeights[] = [];
  private readonly embedding: number;
  /** The logits' projection: the embedding table itself (fp32, tied), or its int8 copy. */
  private readonly lmHead: Projection;
  private readonly finalNorm: number;
  /** Whether the projections are int8 (the manifest's int8 variant). */
  readonly int8: boolean;
  private readonly invFreq: Float32Array;
  private work: Work | undefined;

  private constructor(
    readonly arch: KernelArchitecture,
    readonly heap: KernelHeap,
    readonly kernel: DecoderExports,
    private readonly split: KernelSplit,
    graph: GraphWeights,
    invFreq: Float32Array,
  ) {
    const { d_model: d, n_layers: layers, vocab_size: v } = arch;
    const weights = graph.initializers;
    const projections = graph.matmulWeights.filter((name) => name !== LM_HEAD && name !== LM_HEAD + INT8_SUFFIX);
    if (projections.length !== 4 * layers) unavailable(`base.onnx has ${projections.length} projection matrices, expected ${4 * layers}`);
    const shaped = <T extends { dims: readonly number[] }>(name: string, w: T | undefined, dims: readonly number[]): T => {
      if (w === undefined) unavailable(`base.onnx has no initializer ${name}`);
      if (w.dims.length !== dims.length || w.dims.some((x, i) => x !== dims[i])) {
        unavailable(`initializer ${name} has shape [${w.dims.join(', ')}], expected [${dims.join(', ')}]`);
      }
      return w;
    };
    const need = (name: string, dims: readonly number[]): FloatInitializer => shaped(name, weights.get(name), dims);
    const place = (data: Float32Array | Int8Array): number => {
      const at = heap.store(data);
      if (at === undefined) unavailable('the weights do not fit in the kernel memory');
      return at;
    };
    this.int8 = projections.every((name) => graph.int8.has(name));
    if (!this.int8 && !projections.every((name) => weights.has(name))) unavailable('base.onnx mixes int8 and fp32 projections');
    // [K, N] in the graph; [N, K] here, packed (kernel-pack.ts), with the column scales of an int8 one.
    const project = (name: string, dims: readonly [number, number]): Projection => {
      const [k, n] = dims;
      if (!this.int8) return { w: place(packF32(transposed(need(name, dims)), n, k)) };
      return { w: place(packInt8(transposed(shaped(name, graph.int8.get(name), dims)), n, k)), scales: place(need(`${name}.scale`, [n]).data) };
    };
    const f = arch.ffn_hidden;
    // The LM head (D, V) transposed is the embedding table (V, D): one copy serves both (fp32), packed for
    // the matmul; a token's row is unpacked from it (decoder.ts unpackRow).
    this.embedding = place(packF32(transposed(need(LM_HEAD, [d, v])), v, d));
    this.lmHead = this.int8 ? project(LM_HEAD + INT8_SUFFIX, [d, v]) : { w: this.embedding };
    for (let i = 0; i < layers; i++) {
      this.layers.push({
        attnNorm: place(need(`model.blocks.${i}.attn_norm.weight`, [d]).data),
        wqkv: project(projections[4 * i]!, [d, 3 * d]),
        wo: project(projections[4 * i + 1]!, [d, d]),
        ffnNorm: place(need(`model.blocks.${i}.ffn_norm.weight`, [d]).data),
        wgu: project(projections[4 * i + 2]!, [d, 2 * f]),
        wd: project(projections[4 * i + 3]!, [f, d]),
      });
    }
    this.finalNorm = place(need('model.norm.weight', [d]).data);
    this.invFreq = invFreq;
  }

  /** `module`: decoder.wasm compiled; `memory`: shared when threads will run in it. */
  static async create(
    contract: ModelArchitecture & KernelHints,
    base: Uint8Array,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    options: { readonly memoryLimit: number; readonly threads: number; readonly spinMs: number },
  ): Promise<KernelModel> {
    const graph = readGraphWeights(base);
    const { d_model: d, head_dim: dh, n_kv_heads: kv } = contract;
    const h = d / dh;
    const half = dh / 2;
    const gateUpName = graph.matmulWeights.filter((name) => name !== LM_HEAD && name !== LM_HEAD + INT8_SUFFIX)[2] ?? '';
    const gateUp = graph.initializers.get(gateUpName) ?? graph.int8.get(gateUpName);
    if (gateUp === undefined || gateUp.dims.length !== 2) unavailable('base.onnx has no gate|up projection where the contract puts it');
    const f = gateUp.dims[1]! / 2;
    // base_graph.py's graphs carry eps and the fp32 rotary frequencies ([inv_freq, inv_freq] per q|k head);
    // for a traced graph they come from the manifest.
    const eps = graph.initializers.get('norm_eps')?.data[0] ?? contract.norm_eps;
    if (eps === undefined) unavailable('neither base.onnx nor the manifest gives norm_eps');
    const freq = graph.initializers.get('rope_freq');
    let invFreq: Float32Array;
    if (freq !== undefined && freq.data.length >= half) invFreq = freq.data.slice(0, half);
    else if (contract.rope_theta !== undefined) invFreq = Float32Array.from({ length: half }, (_, j) => 1 / contract.rope_theta! ** (j / half));
    else unavailable('neither base.onnx nor the manifest gives the rotary frequencies (rope_theta)');
    if (kv !== h) unavailable(`n_kv_heads ${kv} != d_model / head_dim ${h} (grouped-query attention is not implemented)`);
    if (d % 16 !== 0 || f % 16 !== 0 || dh % 8 !== 0 || contract.vocab_size % 8 !== 0) {
      unavailable(`sizes must be multiples of 16 (d_model ${d}, ffn_hidden ${f}) and of 8 (head_dim ${dh}, vocab_size ${contract.vocab_size})`);
    }
    const arch: KernelArchitecture = { ...contract, n_heads: h, ffn_hidden: f, norm_eps: eps };
    const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => unavailable('kernel abort') } });
    // The first page stays the kernel's own: its stack and statics if a build ever has them, and the
    // helper threads' control blocks (kernel-threads.ts).
    const heap = new KernelHeap(memory, PAGE, options.memoryLimit);
    const kernel = instance.exports as unknown as DecoderExports;
    const split = await withHelpers(kernel, module, memory, heap, options.threads, options.spinMs);
    return new KernelModel(arch, heap, kernel, split, graph, invFreq);
  }

  /** The step buffers for at least `rows` rows and `past` positions; regrown (doubling) when exceeded. */
  private workFor(rows: number, past: number): Work {
    const current = this.work;
    if (current !== undefined && current.rows >= rows && current.past >= past) return current;
    const r = Math.max(rows, current?.rows ?? 16);
    const p = Math.max(past, current?.past ?? 64, current !== undefined && past > current.past ? current.past * 2 : 0);
    const { d_model: d, n_layers: layers, head_dim: dh, n_heads: h, ffn_hidden: f, vocab_size: v } = this.arch;
    const sizes: number[] = [];
    const take = (floats: number): number => {
      const offset = sizes.reduce((a, b) => a + b, 0);
      sizes.push(Math.ceil((floats * FLOAT) / 64) * 64);
      return offset;
    };
    const work: Work = {
      rows: r,
      past: p,
      x: take(r * d),
      norm: take(r * d),
      qkv: take(r * 3 * d),
      att: take(r * d),
      tmp: take(r * d),
      gu: take(r * 2 * f),
      act: take(r * f),
      hidden: take(r * d),
      logits: take(r * v),
      cos: take(r * (dh / 2)),
      sin: take(r * (dh / 2)),
      mask: take(r * (p + r)),
      scores: take(p + r + 4),
      quantized: take((r * Math.max(d, f)) / 2),
      rowScales: take(r),
      pastKey: [],
      pastValue: [],
      newKey: [],
      newValue: [],
      start: 0,
      bytes: 0,
    };
    for (let i = 0; i < layers; i++) {
      work.pastKey.push(take(h * p * dh));
      work.pastValue.push(take(h * p * dh));
      work.newKey.push(take(h * r * dh));
      work.newValue.push(take(h * r * dh));
    }
    const bytes = sizes.reduce((a, b) => a + b, 0);
    const start = this.heap.block(bytes);
    if (start === undefined) throw new BindingError('runtime-failure', `fused kernel: no memory for a step of ${rows} rows over ${past} positions`);
    if (current !== undefined) this.heap.give(current.start, current.bytes);
    const shift = (x: number) => x + start;
    const placed: Work = {
      ...work,
      x: shift(work.x), norm: shift(work.norm), qkv: shift(work.qkv), att: shift(work.att), tmp: shift(work.tmp),
      gu: shift(work.gu), act: shift(work.act), hidden: shift(work.hidden), logits: shift(work.logits),
      cos: shift(work.cos), sin: shift(work.sin), mask: shift(work.mask), scores: shift(work.scores),
      quantized: shift(work.quantized), rowScales: shift(work.rowScales),
      pastKey: work.pastKey.map(shift), pastValue: work.pastValue.map(shift),
      newKey: work.newKey.map(shift), newValue: work.newValue.map(shift),
      start, bytes,
    };
    this.work = placed;
    return placed;
  }

  /** The decoding heads of an fp32 heads graph on this kernel (kernel-heads.ts); throws `backend-unavailable` if it cannot read it. */
  loadHeads(kind: 'cerberus' | 'medusa', graph: Uint8Array, count: number): KernelHeads {
    return new KernelHeads(this.kernel, this.heap, this.split, this.arch.d_model, this.embedding, graph, kind, count);
  }

  /** Threads a step runs on (this one and its helpers). */
  get threads(): number {
    return this.split.threads;
  }

  /** Slices this thread took over from late helper threads (kernel-threads.ts). */
  get takeovers(): number {
    return this.split.takeovers;
  }

  /** Stops the helper threads. */
  stop(): Promise<void> {
    return this.split.stop();
  }

  /** One decoder step (inputs already validated against the contract). */
  forward(input: ForwardInput, blocked: number): KernelStep {
    const t = input.inputIds.length;
    const p = input.pastLength;
    const { d_model: d, n_layers: layers, head_dim: dh, n_heads: h, ffn_hidden: f, vocab_size: v, norm_eps: eps } = this.arch;
    const w = this.workFor(t, p);
    const k = this.kernel;
    const split = this.split;
    // x (rows of kIn floats) times a projection into y (rows of n floats).
    const project = (p: Projection, x: number, y: number, kIn: number, n: number, rows = t) => {
      if (p.scales === undefined) return split.matmul(p.w, x, y, kIn, rows, kIn, n, n);
      k.quantizeRows(x, kIn, kIn, rows, w.quantized, w.rowScales);
      split.matmulQ(p.w, p.scales, w.quantized, w.rowScales, y, kIn, rows, n, n);
    };
    const heap = this.heap.floats();
    const half = dh / 2;
    for (let row = 0; row < t; row++) {
      k.unpackRow(this.embedding, input.inputIds[row] as number, d, w.x + row * d * FLOAT);
      const position = Math.fround(input.positionIds[row] as number);
      for (let j = 0; j < half; j++) {
        const angle = Math.fround(position * this.invFreq[j]!);
        heap[w.cos / FLOAT + row * half + j] = Math.cos(angle);
        heap[w.sin / FLOAT + row * half + j] = Math.sin(angle);
      }
    }
    heap.set(input.mask, w.mask / FLOAT);
    // A cache in kernel memory (KvCache with this binding's storage) is read where it is; others are copied in.
    const pastAt = (layer: LayerKv, kind: 'key' | 'value', room: number): number => {
      const at = this.heap.offsetOf(layer[kind]);
      if (at !== undefined) return at;
      heap.set(layer[kind], room / FLOAT);
      return room;
    };
    const pastKey = input.past.map((layer, i) => pastAt(layer, 'key', w.pastKey[i]!));
    const pastValue = input.past.map((layer, i) => pastAt(layer, 'value', w.pastValue[i]!));
    // [H, P, Dh] (the contract's) or [P, H, Dh] (a cache in this kernel's storage: appends without moving).
    const [headStride, positionStride] = input.pastLayout === 'positions' ? [dh, h * dh] : [p * dh, dh];
    const scale = Math.fround(1 / Math.sqrt(dh));
    for (let i = 0; i < layers; i++) {
      const lw = this.layers[i]!;
      k.rmsNorm(w.x, lw.attnNorm, w.norm, d, t, eps);
      project(lw.wqkv, w.norm, w.qkv, d, 3 * d);
      k.rotary(w.qkv, 3 * d, t, h, dh, w.cos, w.sin, scale);
      k.rotary(w.qkv + d * FLOAT, 3 * d, t, h, dh, w.cos, w.sin, 1);
      k.splitHeads(w.qkv, 3 * d, d, 2 * d, t, h, dh, w.newKey[i]!, w.newValue[i]!);
      split.attention(w.qkv, 3 * d, pastKey[i]!, pastValue[i]!, p, headStride, positionStride, w.newKey[i]!, w.newValue[i]!, t, w.mask, blocked, h, dh, w.scores, w.att, d);
      project(lw.wo, w.att, w.tmp, d, d);
      k.addRows(w.x, w.tmp, d, t);
      k.rmsNorm(w.x, lw.ffnNorm, w.norm, d, t, eps);
      project(lw.wgu, w.norm, w.gu, d, 2 * f);
      k.swiglu(w.gu, w.act, f, t);
      project(lw.wd, w.act, w.tmp, f, d);
      k.addRows(w.x, w.tmp, d, t);
    }
    k.rmsNorm(w.x, this.finalNorm, w.hidden, d, t, eps);
    // A row's logits do not depend on the other rows (see decoder.ts), so the last row's alone are its own.
    const logitRows = input.logitRows === 'last' ? 1 : t;
    project(this.lmHead, w.hidden + (t - logitRows) * d * FLOAT, w.logits, d, v, logitRows);
    const out = this.heap.floats();
    const copy = (at: number, floats: number) => out.slice(at / FLOAT, at / FLOAT + floats);
    const present: LayerKv[] = [];
    for (let i = 0; i < layers; i++) present.push({ key: copy(w.newKey[i]!, h * t * dh), value: copy(w.newValue[i]!, h * t * dh) });
    return { logits: copy(w.logits, logitRows * v), hidden: copy(w.hidden, t * d), present };
  }
}
