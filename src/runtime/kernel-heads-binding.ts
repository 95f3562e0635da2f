/**
 * An onnxruntime binding (onnxruntime-node's CPU, onnxruntime-web's wasm) whose decoding heads run on the
 * fused kernel (kernel-heads.ts) where it runs here: the base stays on onnxruntime, the heads get a small
 * kernel memory of their own (the base's embedding table, for the root-reading heads, and their int8
 * weights). Why: a heads call on onnxruntime costs a third of an AR step natively and a fifth on wasm, on
 * the kernel (int8, one thread) under 0.2 ms — `npm run bench:heads-cost -- --models
 * models/tinystories-6m --backends native-cpu,kernel,wasm` (2026-12-04, AMD EPYC, depth 4): 0.653 ms
 * (onnxruntime-node, fp32 heads graph), 0.182 (kernel), 1.201 (onnxruntime-web). The heads only propose, so
 * the output stays the base's AR; each kind is checked against onnxruntime's heads on a probe first
 * (backend-kernel.ts `kernelHeadsThatAgree`), and a kind the kernel cannot read stays on onnxruntime.
 */
import type { ModelArchitecture } from './architecture';
import type { HeadKind, HeadsOutput, InferenceBinding } from './binding';
import { decoderModule, kernelHeadsThatAgree, sharedMemory } from './backend-kernel';
import { BindingError } from './errors';
import type { DecoderExports } from './kernel-exports';
import { KernelHeads } from './kernel-heads';
import { KernelHeap } from './kernel-heap';
import { packF32 } from './kernel-pack';
import { singleThread } from './kernel-threads';
import { readGraphWeights, transposed, type FloatInitializer } from './onnx-initializers';
import type { ModelBytes } from './ort-sessions';
import { validateHeads } from './validate';

const PAGE = 65536;
/** The heads' memory may grow to this: the shipped model's need about 11 MB (a 4 MB embedding, 6 MB of int8 heads). */
const HEADS_MEMORY_BYTES = 256 * 1024 * 1024;
const LM_HEAD = 'model.lm_head';

/** Reads one kind's heads into a kernel memory holding the base's embedding table; throws `backend-unavailable` where the kernel cannot run. */
async function headsLoader(arch: ModelArchitecture, base: Uint8Array): Promise<(kind: HeadKind, graph: Uint8Array, count: number) => KernelHeads> {
  let module: WebAssembly.Module;
  try {
    module = await decoderModule();
  } catch (cause) {
    throw new BindingError('backend-unavailable', `fused kernel heads: decoder.wasm does not compile here (${String(cause)})`, { cause });
  }
  const memory = sharedMemory(HEADS_MEMORY_BYTES);
  const unavailable = (message: string): never => {
    throw new BindingError('backend-unavailable', `fused kernel heads: ${message}`);
  };
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => unavailable('kernel abort') } });
  const kernel = instance.exports as unknown as DecoderExports;
  const heap = new KernelHeap(memory, PAGE, HEADS_MEMORY_BYTES);
  const { d_model: d, vocab_size: v } = arch;
  // The embedding is packed for the kernel's matmul as the kernel backend packs it (kernel-model.ts's sizes).
  if (d % 16 !== 0 || v % 8 !== 0) unavailable(`sizes must be multiples of 16 (d_model ${d}) and of 8 (vocab_size ${v})`);
  let table: FloatInitializer | undefined;
  try {
    table = readGraphWeights(base).initializers.get(LM_HEAD);
  } catch {
    // Not a graph this reader takes: onnxruntime, loading it next, says what is wrong with it.
    table = undefined;
  }
  if (table === undefined || table.dims[0] !== d || table.dims[1] !== v) return unavailable(`base.onnx has no fp32 ${LM_HEAD} of shape [${d}, ${v}]`);
  const embedding = heap.store(packF32(transposed(table), v, d)) ?? unavailable('the embedding does not fit in the heads memory');
  const split = singleThread(kernel);
  return (kind, graph, count) => new KernelHeads(kernel, heap, split, d, embedding, graph, kind, count);
}

/**
 * `create(heads)` makes the onnxruntime binding with the heads graphs it should load; the kinds the kernel
 * takes are left out of them. `graphs`: the fp32 heads graphs (what the kernel reads); `onnxruntimeGraphs`:
 * what onnxruntime loads for the kinds left to it (native-cpu's int8 heads). Where the kernel does not run,
 * the onnxruntime binding as it would be without it.
 */
export async function withKernelHeads(
  arch: ModelArchitecture,
  base: Uint8Array | undefined,
  graphs: ModelBytes['heads'],
  onnxruntimeGraphs: ModelBytes['heads'],
  create: (heads: ModelBytes['heads']) => Promise<InferenceBinding>,
): Promise<InferenceBinding> {
  let onKernel = new Map<HeadKind, KernelHeads>();
  try {
    if (base !== undefined) onKernel = await kernelHeadsThatAgree(arch, await headsLoader(arch, base), graphs);
  } catch (error) {
    if (!(error instanceof BindingError) || error.code !== 'backend-unavailable') throw error;
  }
  const kinds = (Object.keys(onnxruntimeGraphs) as HeadKind[]).filter((kind) => onnxruntimeGraphs[kind] !== undefined && !onKernel.has(kind));
  const inner = await create(Object.fromEntries(kinds.map((kind) => [kind, onnxruntimeGraphs[kind]])));
  if (onKernel.size === 0) return inner;
  const own = [...onKernel.keys()];
  let disposed = false;
  return {
    backend: inner.backend,
    backendClass: inner.backendClass,
    forward: (input) => inner.forward(input),
    heads(kind, hidden, n, depth, roots): Promise<HeadsOutput> {
      const heads = onKernel.get(kind);
      if (heads === undefined || disposed) return inner.heads(kind, hidden, n, depth, roots);
      try {
        validateHeads(arch, hidden, n, depth, heads.rootReading ? (roots ?? null) : undefined);
        const start = performance.now();
        const logits = heads.run(hidden, n, Math.min(depth ?? heads.count, heads.count), roots);
        return Promise.resolve({ logits, width: heads.width, modelMs: performance.now() - start });
      } catch (error) {
        return Promise.reject(error);
      }
    },
    ...(inner.kvStorage === undefined ? {} : { kvStorage: inner.kvStorage }),
    headKinds: Object.freeze([...own, ...inner.headKinds]),
    depthSelectable: Object.freeze([...own, ...inner.depthSelectable]),
    rootReading: Object.freeze([...own.filter((kind) => onKernel.get(kind)!.rootReading), ...inner.rootReading]),
    ...(inner.treeRowsExact === undefined ? {} : { treeRowsExact: inner.treeRowsExact }),
    dispose() {
      disposed = true;
      return inner.dispose();
    },
  };
}
