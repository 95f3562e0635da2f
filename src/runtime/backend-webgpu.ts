/**
 * onnxruntime-web on WebGPU, where `navigator.gpu` exists (Deno, browsers). Untested on CI machines
 * without a GPU: it reports `backend-unavailable` (and create-binding falls back to wasm) when there is no
 * API, no adapter, or the session fails to start.
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

interface WebGpuOrt extends OrtApi {
  readonly env: { webgpu: { adapter?: unknown }; wasm: { numThreads?: number; proxy?: boolean } };
}

function unavailable(reason: string, cause?: unknown): BindingError {
  return new BindingError('backend-unavailable', `WebGPU unavailable: ${reason}`, { cause });
}

export async function createWebGpuBinding(
  arch: ModelArchitecture,
  bytes: ModelBytes,
  gpu: GpuLike | undefined = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu,
): Promise<InferenceBinding> {
  if (gpu === undefined) throw unavailable('navigator.gpu is not defined');
  let adapter: unknown;
  try {
    adapter = await gpu.requestAdapter();
  } catch (cause) {
    throw unavailable(`requestAdapter() failed: ${String(cause)}`, cause);
  }
  if (adapter === null || adapter === undefined) throw unavailable('requestAdapter() returned no adapter');

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
