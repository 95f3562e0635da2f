/**
 * onnxruntime-web on WebGPU, where `navigator.gpu` exists (Deno, browsers). Reports `backend-unavailable`
 * (create-binding then falls back to wasm) when there is no API, no adapter, or the session fails to
 * start. A software fallback adapter (e.g. llvmpipe, what Deno finds on a GPU-less machine) is refused
 * unless asked for explicitly: it is correct but far slower than wasm (≈150 ms per fixture forward).
 */
import type { ModelArchitecture } from './architecture';
import type { InferenceBinding } from './binding';
import { BindingError } from './errors';
import type { OrtApi } from './ort-api';
import { createOrtBinding } from './ort-binding';
import { createModelSessions, type ModelBytes } from './ort-sessions';

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

export interface WebGpuOptions {
  /** Accept a software fallback adapter (tests on GPU-less machines). Default false. */
  readonly allowFallbackAdapter?: boolean;
  /** The WebGPU API; default `navigator.gpu`. */
  readonly gpu?: GpuLike;
}

/** `GPUAdapterInfo.isFallbackAdapter` (current spec) or the older `GPUAdapter.isFallbackAdapter`. */
function isFallbackAdapter(adapter: unknown): boolean {
  const a = adapter as { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } };
  return a.info?.isFallbackAdapter === true || a.isFallbackAdapter === true;
}

interface WebGpuOrt extends OrtApi {
  readonly env: { webgpu: { adapter?: unknown }; wasm: { numThreads?: number; proxy?: boolean } };
}

function unavailable(reason: string, cause?: unknown): BindingError {
  return new BindingError('backend-unavailable', `WebGPU unavailable: ${reason}`, { cause });
}

export async function createWebGpuBinding(
  arch: ModelArchitecture,
  bytes: ModelBytes,
  options: WebGpuOptions = {},
): Promise<InferenceBinding> {
  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (gpu === undefined) throw unavailable('navigator.gpu is not defined');
  let adapter: unknown;
  try {
    adapter = await gpu.requestAdapter();
  } catch (cause) {
    throw unavailable(`requestAdapter() failed: ${String(cause)}`, cause);
  }
  if (adapter === null || adapter === undefined) throw unavailable('requestAdapter() returned no adapter');
  if (isFallbackAdapter(adapter) && options.allowFallbackAdapter !== true) {
    throw unavailable('only a software fallback adapter (request backend "webgpu" explicitly to use it)');
  }

  // Computed specifier: this bundle (and its 26 MB asyncify wasm, which it locates itself from
  // import.meta.url) must stay out of workerd bundles, which use the plain wasm build.
  const specifier = 'onnxruntime-web/webgpu';
  let ort: WebGpuOrt;
  try {
    ort = (await import(/* @vite-ignore */ specifier)) as WebGpuOrt;
  } catch (cause) {
    throw unavailable(`cannot import ${specifier}: ${String(cause)}`, cause);
  }
  ort.env.webgpu.adapter = adapter;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  try {
    const sessions = await createModelSessions(ort, arch, bytes, { executionProviders: ['webgpu'] });
    return createOrtBinding({ backend: 'webgpu', backendClass: 'gpu', ort, architecture: arch, sessions });
  } catch (error) {
    if (error instanceof BindingError && error.code === 'runtime-failure') throw unavailable(error.message, error);
    throw error;
  }
}
