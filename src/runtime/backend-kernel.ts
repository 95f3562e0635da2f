/**
 * The fused decoder kernel (kernel-*.ts, kernel/assembly/decoder.ts): our own WebAssembly SIMD forward for
 * the base model, and for the heads where it reads their fp32 graph (the others on onnxruntime: onnxruntime-node
 * where it loads, else onnxruntime-web's wasm). The heads run int8, their weights quantised at load as
 * quantize.py quantises the int8 heads graph (kernel-heads.ts says why). Why it exists and what it measured: docs/benchmarks/peer.md.
 * It needs a contract base graph (kernel-model.ts says which) and WebAssembly shared memory; without either
 * it is `backend-unavailable`.
 */
import type { ModelArchitecture } from './architecture';
import type { ForwardInput, ForwardOutput, InferenceBinding, KvStorage } from './binding';
import { createNativeBinding } from './backend-native';
import { createWasmBinding } from './backend-wasm';
import { BindingError } from './errors';
import { DECODER_FMA_WASM_BASE64, DECODER_WASM_BASE64 } from './kernel/decoder-wasm';
import { base64Bytes } from './kernel/base64';
import { RUNTIME } from './environment';
import { KernelModel } from './kernel-model';
import type { ModelBytes } from './ort-sessions';
import { SerialQueue } from './serial-queue';
import { validateForward, validateHeads } from './validate';
import type { KernelHeads } from './kernel-heads';
import type { HeadKind } from './binding';

/** The kernel memory's ceiling (decoder.wasm declares 16384 pages): weights, step buffers and caches. */
const MAX_MEMORY_BYTES = 1024 * 1024 * 1024;

export interface KernelOptions {
  /** The additive mask's blocked value (manifest.base.mask_value); columns at or below half of it are skipped. */
  readonly maskValue?: number;
  /** Bytes the kernel memory may grow to (default 1 GiB); caches beyond it live in JS memory and are copied. */
  readonly memoryLimit?: number;
  /** Threads a forward runs on: this one plus helpers (Node only); default 1. */
  readonly threads?: number;
  /** How long an idle helper spins before it sleeps (ms); default 1. */
  readonly spinMs?: number;
  /** The heads graphs for onnxruntime where the kernel cannot run a kind's heads itself; default `bytes.heads`. */
  readonly onnxruntimeHeads?: ModelBytes['heads'];
}

/** The kernel's binding; `headsOnKernel`: the kinds whose heads it runs itself (the others run on onnxruntime). */
export interface KernelBinding extends InferenceBinding {
  readonly headsOnKernel: readonly HeadKind[];
  /** Slices of a step the calling thread took over from a helper thread that was late (preempted): 0 on one thread. */
  readonly helperTakeovers: number;
}

/**
 * A kind's heads on the kernel (int8: weights and each input row quantised) must give onnxruntime's head
 * logits of the fp32 graph within this, relative to their scale: the quantisation's error (0.05 on the
 * shipped model's probe), which a graph read wrongly (a transposed or swapped matrix) is far beyond.
 */
const HEADS_TOLERANCE = 0.1;

/** An idle helper thread spins this long before sleeping: covers the gaps between a step's forward and the next. */
const DEFAULT_SPIN_MS = 1;

let compiled: Promise<WebAssembly.Module> | undefined;
let provided: WebAssembly.Module | undefined;

/**
 * Hands over kernel/decoder-fma.wasm as the host's bundler compiled it (a Worker's static `.wasm` import):
 * workerd cannot compile wasm at run time, so without it the kernel is `backend-unavailable` there.
 */
export function provideKernelModule(module: WebAssembly.Module): void {
  provided = module;
}

/** Whether this process can run the kernel's module: it compiles wasm at run time, or was handed it. */
export function kernelModuleAvailable(facts: { readonly isWorkerd: boolean }): boolean {
  return !facts.isWorkerd || provided !== undefined;
}

/**
 * decoder.wasm, compiled once per process: the fused multiply-add build where the host has relaxed SIMD
 * (1.2-1.3× on a tree step's matmuls here), else the plain one. Node 20's V8 has relaxed SIMD behind a flag,
 * which is switched on here (it only lets modules use the opcodes; Node 22 has it on by default).
 */
export function decoderModule(): Promise<WebAssembly.Module> {
  if (provided !== undefined) return Promise.resolve(provided);
  compiled ??= (async () => {
    // Workers' types declare compiling from bytes away (workerd forbids it); Node, Deno and browsers have it.
    const wasm = WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
    if (RUNTIME.isNode) {
      const specifier = 'node:v8';
      const v8 = (await import(/* @vite-ignore */ specifier)) as { setFlagsFromString(flags: string): void };
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    }
    try {
      return await wasm.compile(base64Bytes(DECODER_FMA_WASM_BASE64));
    } catch {
      return await wasm.compile(base64Bytes(DECODER_WASM_BASE64));
    }
  })();
  return compiled;
}

export function sharedMemory(limit: number): WebAssembly.Memory {
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: Math.ceil(limit / 65536), shared: true });
  } catch (cause) {
    throw new BindingError('backend-unavailable', `fused kernel: this host has no WebAssembly shared memory (${String(cause)})`, { cause });
  }
}

/** The heads on onnxruntime: native where onnxruntime-node loads, else wasm. */
async function headsBinding(arch: ModelArchitecture, heads: ModelBytes['heads']): Promise<InferenceBinding> {
  try {
    return await createNativeBinding(arch, { heads }, { cuda: false, threads: 1 });
  } catch (error) {
    if (!(error instanceof BindingError) || error.code !== 'backend-unavailable') throw error;
    return createWasmBinding(arch, { heads });
  }
}

/**
 * Each kind's heads on the kernel where it reads their graph and its logits match onnxruntime's on a probe;
 * the other kinds on onnxruntime (with `fallback`'s graphs: the int8 heads natively).
 */
async function placeHeads(
  arch: ModelArchitecture,
  model: KernelModel,
  graphs: ModelBytes['heads'],
  fallback: ModelBytes['heads'],
): Promise<{ onKernel: Map<HeadKind, KernelHeads>; onnxruntime: InferenceBinding | undefined }> {
  const onKernel = await kernelHeadsThatAgree(arch, (kind, graph, count) => model.loadHeads(kind, graph, count), graphs);
  const kinds = (Object.keys(graphs) as HeadKind[]).filter((kind) => graphs[kind] !== undefined);
  const rest = Object.fromEntries(kinds.filter((kind) => !onKernel.has(kind)).map((kind) => [kind, fallback[kind] ?? graphs[kind]]));
  return { onKernel, onnxruntime: Object.keys(rest).length > 0 ? await headsBinding(arch, rest) : undefined };
}

/** Each kind's heads that `load` reads from its fp32 graph and whose logits match onnxruntime's on a probe. */
export async function kernelHeadsThatAgree(
  arch: ModelArchitecture,
  load: (kind: HeadKind, graph: Uint8Array, count: number) => KernelHeads,
  graphs: ModelBytes['heads'],
): Promise<Map<HeadKind, KernelHeads>> {
  const candidates = new Map<HeadKind, KernelHeads>();
  for (const kind of (Object.keys(graphs) as HeadKind[]).filter((k) => graphs[k] !== undefined)) {
    const count = arch.decoding_heads?.[kind];
    if (count === undefined) continue;
    try {
      candidates.set(kind, load(kind, graphs[kind]!, count));
    } catch (error) {
      if (!(error instanceof BindingError) || error.code !== 'backend-unavailable') throw error;
    }
  }
  const onKernel = new Map<HeadKind, KernelHeads>();
  if (candidates.size > 0) {
    const reference = await headsBinding(arch, Object.fromEntries([...candidates.keys()].map((kind) => [kind, graphs[kind]])));
    try {
      for (const [kind, heads] of candidates) if (await agrees(arch, heads, reference, kind)) onKernel.set(kind, heads);
    } finally {
      await reference.dispose();
    }
  }
  return onKernel;
}

/** Whether the kernel's heads give onnxruntime's head logits on two probe states (every head, a root each). */
async function agrees(arch: ModelArchitecture, heads: KernelHeads, reference: InferenceBinding, kind: HeadKind): Promise<boolean> {
  const d = arch.d_model;
  let seed = 12345;
  const hidden = Float32Array.from({ length: 2 * d }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648) * 4 - 2;
  });
  const roots = [1, Math.min(2, arch.vocab_size - 1)];
  const want = await reference.heads(kind, hidden, 2, heads.count, roots);
  const got = heads.run(hidden, 2, heads.count, roots);
  if (want.width !== heads.width || want.logits.length !== got.length) return false;
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    scale = Math.max(scale, Math.abs(want.logits[i]!));
    worst = Math.max(worst, Math.abs(got[i]! - want.logits[i]!));
  }
  return worst <= HEADS_TOLERANCE * scale;
}

export async function createKernelBinding(arch: ModelArchitecture, bytes: ModelBytes, options: KernelOptions = {}): Promise<KernelBinding> {
  if (bytes.base === undefined) throw new BindingError('model-contract', 'fused kernel: no base.onnx given');
  const limit = Math.min(options.memoryLimit ?? MAX_MEMORY_BYTES, MAX_MEMORY_BYTES);
  const memory = sharedMemory(limit);
  let module: WebAssembly.Module;
  try {
    module = await decoderModule();
  } catch (cause) {
    // A host without WebAssembly SIMD or threads, or one that cannot compile wasm at run time (workerd).
    throw new BindingError('backend-unavailable', `fused kernel: decoder.wasm does not compile here (${String(cause)})`, { cause });
  }
  const model = await KernelModel.create(arch, bytes.base, module, memory, {
    memoryLimit: limit,
    threads: options.threads ?? 1,
    spinMs: options.spinMs ?? DEFAULT_SPIN_MS,
  });
  const { onKernel, onnxruntime } = await placeHeads(arch, model, bytes.heads, options.onnxruntimeHeads ?? bytes.heads);
  const blocked = (options.maskValue ?? -10000) / 2;
  const queue = new SerialQueue();
  let disposed = false;

  const kvStorage: KvStorage = {
    layout: 'positions',
    allocate: (floats) => model.heap.allocate(floats) ?? new Float32Array(floats),
    release: (buffer) => model.heap.release(buffer),
  };

  function forward(input: ForwardInput): Promise<ForwardOutput> {
    if (disposed) return Promise.reject(new BindingError('disposed', 'the kernel binding was disposed; create a new one'));
    try {
      validateForward(arch, input);
    } catch (error) {
      return Promise.reject(error);
    }
    return queue.run(async () => {
      const start = performance.now();
      const step = model.forward(input, blocked);
      return { ...step, modelMs: performance.now() - start };
    });
  }

  const headKinds = Object.freeze([...onKernel.keys(), ...(onnxruntime?.headKinds ?? [])]);
  const binding: KernelBinding = {
    backend: 'kernel',
    backendClass: 'native',
    headsOnKernel: Object.freeze([...onKernel.keys()]),
    headKinds,
    depthSelectable: Object.freeze([...onKernel.keys(), ...(onnxruntime?.depthSelectable ?? [])]),
    rootReading: Object.freeze([...[...onKernel].filter(([, h]) => h.rootReading).map(([kind]) => kind), ...(onnxruntime?.rootReading ?? [])]),
    kvStorage,
    get helperTakeovers() {
      return model.takeovers;
    },
    // decoder.ts: per-row quantisation and exact int32 sums, attention over the allowed keys in column order.
    treeRowsExact: true,
    forward,
    heads(kind, hidden, n, depth, roots) {
      if (disposed) return Promise.reject(new BindingError('disposed', 'the kernel binding was disposed; create a new one'));
      const own = onKernel.get(kind);
      if (own === undefined) {
        if (onnxruntime === undefined || !onnxruntime.headKinds.includes(kind)) {
          return Promise.reject(new BindingError('missing-heads', `no ${kind} heads loaded; this binding has: ${headKinds.join(', ') || 'none'}`));
        }
        return onnxruntime.heads(kind, hidden, n, depth, roots);
      }
      try {
        validateHeads(arch, hidden, n, depth, own.rootReading ? (roots ?? null) : undefined);
      } catch (error) {
        return Promise.reject(error);
      }
      return queue.run(async () => {
        const start = performance.now();
        const logits = own.run(hidden, n, Math.min(depth ?? own.count, own.count), roots);
        return { logits, width: own.width, modelMs: performance.now() - start };
      });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue.run(async () => {});
      await Promise.all([model.stop(), onnxruntime?.dispose()]);
    },
  };
  return binding;
}
