/**
 * The factory the engine calls: model bytes in, a ready InferenceBinding out, on the best backend the
 * host offers (see select-backend.ts). The manifest is the engine's business; this takes its sizes.
 */
import type { ModelArchitecture } from './architecture';
import type { BackendName, HeadKind, InferenceBinding } from './binding';
import { createKernelBinding, kernelModuleAvailable } from './backend-kernel';
import { createNativeBinding } from './backend-native';
import { createWasmBinding } from './backend-wasm';
import { createWebGpuBinding } from './backend-webgpu';
import { withKernelHeads } from './kernel-heads-binding';
import { RUNTIME, type RuntimeFacts } from './environment';
import { BindingError } from './errors';
import type { ModelBytes } from './ort-sessions';
import { backendCandidates, type BackendRequest } from './select-backend';
import { validateArchitecture } from './validate';

export interface CreateBindingOptions {
  /** Default 'auto'. */
  readonly backend?: BackendRequest;
  /** base.onnx */
  readonly base: Uint8Array;
  /** heads-<kind>.onnx per kind to load. */
  readonly heads: Partial<Record<HeadKind, Uint8Array>>;
  /** Other heads graphs for native-cpu, when it lands there (src/engine/native-heads.ts); default `heads`. */
  readonly nativeCpuHeads?: Partial<Record<HeadKind, Uint8Array>>;
  /** manifest.architecture, plus `decoding_heads` (K per kind) to check the heads graphs against. */
  readonly architecture: ModelArchitecture;
  /**
   * Threads: onnxruntime-node's intra-op threads, the fused kernel's (helpers included); default 1
   * (backend-native.ts says why). wasm is single-threaded. With more than one, `auto` prefers the kernel in Node.
   */
  readonly threads?: number;
  /**
   * onnxruntime-node's intra-op workers spin between operators (default false). Spinning makes a second
   * thread pay on cores nobody else uses; on shared cores it starves the other jobs and the JS thread.
   */
  readonly spinning?: boolean;
  /**
   * Forwards of fewer tokens run padded to this many (the manifest's `base.variants.<v>.min_rows_per_run`):
   * for graphs whose kernels round a single row differently from several (padded-forward.ts).
   */
  readonly minRowsPerRun?: number;
  /** The additive mask's blocked value (manifest.base.mask_value); the fused kernel skips such columns. */
  readonly maskValue?: number;
  /**
   * On onnxruntime-node's CPU and onnxruntime-web's wasm, the decoding heads run on the fused kernel where
   * it runs here (kernel-heads-binding.ts); default true. false: on onnxruntime, as its own graphs.
   */
  readonly kernelHeads?: boolean;
  /** Bytes the fused kernel's memory may grow to (weights, step buffers, caches); default 1 GiB. */
  readonly kernelMemoryLimit?: number;
  /** Receives why a preferred backend was skipped. Default: console.warn, each distinct reason once. */
  readonly log?: (message: string) => void;
  /** Host facts; tests override them to exercise other hosts' choices. */
  readonly runtime?: RuntimeFacts;
}

function createOn(
  backend: BackendName,
  requested: BackendRequest,
  options: CreateBindingOptions,
  bytes: ModelBytes,
): Promise<InferenceBinding> {
  const arch = options.architecture;
  switch (backend) {
    case 'wasm':
      if (options.kernelHeads === false) return createWasmBinding(arch, bytes);
      return withKernelHeads(arch, bytes.base, bytes.heads, bytes.heads, (heads) => createWasmBinding(arch, { ...bytes, heads }));
    case 'webgpu':
      // A software adapter only when WebGPU itself was asked for: 'auto' wants speed.
      return createWebGpuBinding(arch, bytes, { allowFallbackAdapter: requested === 'webgpu' });
    case 'kernel':
      // Heads the kernel cannot run itself go to onnxruntime-node with the native-cpu heads graphs.
      return createKernelBinding(arch, bytes, {
        ...(options.nativeCpuHeads === undefined ? {} : { onnxruntimeHeads: options.nativeCpuHeads }),
        ...(options.maskValue === undefined ? {} : { maskValue: options.maskValue }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        ...(options.kernelMemoryLimit === undefined ? {} : { memoryLimit: options.kernelMemoryLimit }),
      });
    case 'native-cpu':
    case 'native-cuda': {
      const native = (heads: ModelBytes['heads']) =>
        createNativeBinding(arch, { ...bytes, heads }, {
          cuda: backend === 'native-cuda',
          threads: options.threads,
          spinning: options.spinning ?? false,
          ...(options.minRowsPerRun === undefined ? {} : { minRowsPerRun: options.minRowsPerRun }),
        });
      if (backend === 'native-cuda') return native(bytes.heads);
      const ortHeads = options.nativeCpuHeads ?? bytes.heads;
      return options.kernelHeads === false ? native(ortHeads) : withKernelHeads(arch, bytes.base, bytes.heads, ortHeads, native);
    }
  }
}

/** Skip reasons already warned about: a CPU-only host would otherwise warn about CUDA on every binding. */
const warned = new Set<string>();

function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}

export async function createBinding(options: CreateBindingOptions): Promise<InferenceBinding> {
  const requested = options.backend ?? 'auto';
  const facts = options.runtime ?? RUNTIME;
  // `auto` passes over a kernel this host cannot compile (workerd without the entry's module) in silence.
  const candidates = backendCandidates(requested, facts).filter(
    (backend) => backend !== 'kernel' || requested === 'kernel' || kernelModuleAvailable(facts),
  );
  validateArchitecture(options.architecture);
  const log = options.log ?? warnOnce;
  const bytes: ModelBytes = { base: options.base, heads: options.heads };
  const skipped: string[] = [];
  for (const backend of candidates) {
    try {
      return await createOn(backend, requested, options, bytes);
    } catch (error) {
      // Only "cannot run here" moves on to the next backend; a bad model fails the same everywhere.
      if (!(error instanceof BindingError) || error.code !== 'backend-unavailable') throw error;
      skipped.push(`${backend}: ${error.message}`);
      if (backend !== candidates[candidates.length - 1]) log(`[runtime] skipping ${backend}: ${error.message}`);
    }
  }
  throw new BindingError('backend-unavailable', `no backend for "${requested}" runs here (${skipped.join('; ')})`);
}
