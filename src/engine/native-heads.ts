/**
 * Which heads graphs an fp32 base proposes with on onnxruntime-node's CPU: the int8 heads, where the
 * manifest's `int8` variant lists them. The heads only propose (verification by the base keeps the output
 * that base's AR), and the int8 heads cost less there at about the same acceptance: `npm run
 * bench:heads-precision` (tinystories-6m, 1 thread, 20 story openings + 14 MT-Bench first turns, interleaved;
 * root-reading Cerberus heads, 2026-12-01 night): heads call 0.271 vs 0.303 ms, parallel step 2.08 vs 2.13 ms,
 * Cerberus + gate 2.00 vs 1.97× AR on stories (2.93 vs 2.97 tokens a step) and 1.20 vs 1.18× on MT-Bench, no
 * mismatch (root-less heads before: 0.236 vs 0.313 ms, 1.74 vs 1.77×, 1.19 vs 1.10×). Not on wasm, where
 * the int8 heads are slower (`-- --backend wasm`: heads call 0.170 vs 0.155 ms, Cerberus + gate 1.20 vs
 * 1.25× AR on stories) and a Worker would read their bytes for nothing; not on CUDA, where their ops are
 * unmeasured.
 */
import type { Manifest } from '../model/manifest';
import { HEAD_KINDS, type BackendName, type HeadKind } from '../runtime/binding';
import { kernelModuleAvailable, RUNTIME } from '../runtime/index';

const NATIVE_CPU_HEADS_VARIANT = 'int8';

/** The heads files to use if the binding lands on native-cpu, or undefined to use the base's own. */
export function nativeCpuHeads(manifest: Manifest, backend: BackendName | 'auto'): Partial<Record<HeadKind, string>> | undefined {
  const mayLandOnNativeCpu = backend === 'native-cpu' || backend === 'kernel' || backend === 'native-cuda' || (backend === 'auto' && (RUNTIME.isNode || RUNTIME.isDeno) && !RUNTIME.isWorkerd);
  const files = manifest.base.variants?.[NATIVE_CPU_HEADS_VARIANT]?.heads;
  if (!mayLandOnNativeCpu || files === undefined) return undefined;
  const picked: Partial<Record<HeadKind, string>> = {};
  for (const kind of HEAD_KINDS) if (files[kind] !== undefined) picked[kind] = files[kind];
  return picked;
}

/**
 * Whether a binding for `backend` may run its heads on the fused kernel, which reads the fp32 heads graphs:
 * the kernel itself (by name, or `auto`), and onnxruntime's CPU and wasm backends, whose heads run on the
 * kernel where its module compiles (runtime/kernel-heads-binding.ts) — in workerd once the entry handed
 * it over (select-backend.ts). Not CUDA or WebGPU, whose heads stay on the device.
 */
export function mayRunOnKernel(backend: BackendName | 'auto'): boolean {
  if (backend === 'native-cuda' || backend === 'webgpu') return false;
  return RUNTIME.isWorkerd ? kernelModuleAvailable(RUNTIME) : true;
}
