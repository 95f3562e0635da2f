/**
 * Which backends to try, in order, for a requested backend on a given host. Pure, so the policy is
 * tested on every host (including the WebGPU branches no CI machine here can run).
 */
import type { BackendName } from './binding';
import type { RuntimeFacts } from './environment';
import { BindingError } from './errors';

export type BackendRequest = BackendName | 'auto';

export const SUPPORTED_BACKENDS: readonly BackendRequest[] = Object.freeze([
  'auto',
  'wasm',
  'webgpu',
  'native-cpu',
  'native-cuda',
  'kernel',
]);

function isBackendRequest(value: string): value is BackendRequest {
  return (SUPPORTED_BACKENDS as readonly string[]).includes(value);
}

/**
 * - auto, workerd: the fused kernel, then wasm (onnxruntime-web). workerd cannot compile wasm at run time,
 *   so the kernel runs there only when the entry handed over its precompiled module (createBinding drops it
 *   otherwise); one thread, and on the Worker's int8 base 3.2x onnxruntime-web's AR tokens/s
 *   through HTTP (docs/benchmarks/README.md, 2026-12-03).
 * - auto, Node: CUDA (onnxruntime-node), then the fused kernel, then onnxruntime-node's CPU, WebGPU if
 *   `navigator.gpu`, wasm. The kernel is faster than onnxruntime-node's CPU on one thread and on two, AR and
 *   Cerberus + gate, fp32 and int8: a second row of a tree step costs about 0.13 of a row, since its fp32 weights are
 *   read once by the two-row path (peer run, one thread, fp32: AR 1.76x, Cerberus + gate 1.18x;
 *   docs/benchmarks/peer.md, 2026-12-03).
 * - auto, Deno: onnxruntime-node (CUDA, then CPU), then WebGPU if `navigator.gpu`, then wasm (the kernel runs
 *   there, one thread, when asked for by name; it was not measured against onnxruntime-node there).
 * - auto, elsewhere (browsers): WebGPU if present, then wasm.
 * - an explicit GPU backend degrades: native-cuda → native-cpu, webgpu → wasm.
 */
export function backendCandidates(requested: string, facts: RuntimeFacts): BackendName[] {
  if (!isBackendRequest(requested)) {
    throw new BindingError(
      'unknown-backend',
      `unknown backend "${requested}"; supported: ${SUPPORTED_BACKENDS.join(', ')}`,
    );
  }
  switch (requested) {
    case 'auto': {
      if (facts.isWorkerd) return ['kernel', 'wasm'];
      const gpu: BackendName[] = facts.hasWebGpu ? ['webgpu'] : [];
      const kernel: BackendName[] = facts.isNode ? ['kernel'] : [];
      if (facts.isNode || facts.isDeno) return ['native-cuda', ...kernel, 'native-cpu', ...gpu, 'wasm'];
      return [...gpu, 'wasm'];
    }
    case 'native-cuda':
      return ['native-cuda', 'native-cpu'];
    case 'webgpu':
      return ['webgpu', 'wasm'];
    default:
      return [requested];
  }
}
