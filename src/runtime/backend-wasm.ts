/**
 * onnxruntime-web on WebAssembly, one thread: the portable default (workerd, Deno, Node, browsers).
 * The wasm module itself comes through ./wasm-module (see there for why and how).
 */
import type { ModelArchitecture } from './architecture';
import type { InferenceBinding } from './binding';
import { createOrtBinding } from './ort-binding';
import { createModelSessions, type ModelBytes } from './ort-sessions';
import { withOrtWasm } from './wasm-module';

export async function createWasmBinding(arch: ModelArchitecture, bytes: ModelBytes): Promise<InferenceBinding> {
  // A literal specifier: wrangler must bundle this one, it is the workerd backend.
  const ort = await import('onnxruntime-web/wasm');
  const sessions = await withOrtWasm(ort.env.wasm, () =>
    createModelSessions(ort, arch, bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }),
  );
  return createOrtBinding({ backend: 'wasm', backendClass: 'wasm', ort, architecture: arch, sessions });
}
