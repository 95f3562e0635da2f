/**
 * The fused decoder kernel (kernel-*.ts, kernel/assembly/decoder.ts): our own WebAssembly SIMD forward for the base model, with the heads
 * on onnxruntime (onnxruntime-node where it loads, else onnxruntime-web's wasm). Why it exists and what it
 * measured: docs/benchmarks/peer.md. It needs a base graph written by models/tools/base_graph.py and
 * WebAssembly shared memory; without either it is `backend-unavailable`.
 */
import type { ModelArchitecture } from './architecture';
import type { ForwardInput, ForwardOutput, InferenceBinding, KvStorage } from './binding';
import { createNativeBinding } from './backend-native';
import { createWasmBinding } from './backend-wasm';
import { BindingError } from './errors';
import { DECODER_FMA_WASM_BASE64, DECODER_WASM_BASE64 } from './kernel/decoder-wasm';
import { RUNTIME } from './environment';
import { KernelModel } from './kernel-model';
import type { ModelBytes } from './ort-sessions';
import { SerialQueue } from './serial-queue';
import { validateForward } from './validate';

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
}

/** An idle helper thread spins this long before sleeping: covers the gaps between a step's forward and the next. */
const DEFAULT_SPIN_MS = 1;

let compiled: Promise<{ module: WebAssembly.Module; fma: boolean }> | undefined;

function decode(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * decoder.wasm, compiled once per process: the fused multiply-add build where the host has relaxed SIMD
 * (1.2-1.3× on a tree step's matmuls here), else the plain one. Node 20's V8 has relaxed SIMD behind a flag,
 * which is switched on here (it only lets modules use the opcodes; Node 22 has it on by default).
 */
function decoderModule(): Promise<{ module: WebAssembly.Module; fma: boolean }> {
  compiled ??= (async () => {
    // Workers' types declare compiling from bytes away (workerd forbids it); Node, Deno and browsers have it.
    const wasm = WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
    if (RUNTIME.isNode) {
      const specifier = 'node:v8';
      const v8 = (await import(/* @vite-ignore */ specifier)) as { setFlagsFromString(flags: string): void };
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    }
    try {
      return { module: await wasm.compile(decode(DECODER_FMA_WASM_BASE64)), fma: true };
    } catch {
      return { module: await wasm.compile(decode(DECODER_WASM_BASE64)), fma: false };
    }
  })();
  return compiled;
}

async function sharedMemory(limit: number): Promise<WebAssembly.Memory> {
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

export async function createKernelBinding(arch: ModelArchitecture, bytes: ModelBytes, options: KernelOptions = {}): Promise<InferenceBinding> {
  if (bytes.base === undefined) throw new BindingError('model-contract', 'fused kernel: no base.onnx given');
  const limit = Math.min(options.memoryLimit ?? MAX_MEMORY_BYTES, MAX_MEMORY_BYTES);
  const memory = await sharedMemory(limit);
  let module: WebAssembly.Module;
  try {
    ({ module } = await decoderModule());
  } catch (cause) {
    // A host without WebAssembly SIMD or threads, or one that cannot compile wasm at run time (workerd).
    throw new BindingError('backend-unavailable', `fused kernel: decoder.wasm does not compile here (${String(cause)})`, { cause });
  }
  const model = await KernelModel.create(arch, bytes.base, module, memory, {
    memoryLimit: limit,
    threads: options.threads ?? 1,
    spinMs: options.spinMs ?? DEFAULT_SPIN_MS,
  });
  const heads = await headsBinding(arch, bytes.heads);
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

  return {
    backend: 'kernel',
    backendClass: 'native',
    headKinds: heads.headKinds,
    depthSelectable: heads.depthSelectable,
    rootReading: heads.rootReading,
    kvStorage,
    forward,
    heads: (kind, hidden, n, depth, roots) =>
      disposed ? Promise.reject(new BindingError('disposed', 'the kernel binding was disposed; create a new one')) : heads.heads(kind, hidden, n, depth, roots),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue.run(async () => {});
      await Promise.all([model.stop(), heads.dispose()]);
    },
  };
}
