/**
 * Which failures mark CUDA unavailable for the process: only CUDA's own. Its own test file, so the
 * process-wide "CUDA unavailable" memo starts empty. On hosts whose onnxruntime-node lists CUDA but cannot
 * start it (this CPU-only machine: the provider libraries are not installed) both branches run for real.
 */
import { describe, expect, it } from 'vitest';
import { BindingError } from '../../src/runtime';
import { createNativeBinding, loadNative } from '../../src/runtime/backend-native';
import { loadFixture } from '../engine/support/fixture';

async function failure(promise: Promise<{ dispose(): Promise<void> }>): Promise<BindingError | undefined> {
  return promise.then(
    async (binding) => void (await binding.dispose()),
    (error: unknown) => {
      expect(error).toBeInstanceOf(BindingError);
      return error as BindingError;
    },
  );
}

describe('native CUDA probe', () => {
  it('blames a model no execution provider takes on the model, and still tries CUDA for the next model', async () => {
    const { base, heads, architecture } = await loadFixture();
    const listsCuda = ((await loadNative()).listSupportedBackends?.() ?? []).some((b) => b.name === 'cuda');
    const garbage = new Uint8Array(base.length).fill(7);

    const bad = await failure(createNativeBinding(architecture, { base: garbage, heads: {} }, { cuda: true }));
    expect(bad?.code).toBe(listsCuda ? 'runtime-failure' : 'backend-unavailable');

    const good = await failure(createNativeBinding(architecture, { base, heads }, { cuda: true }));
    if (good !== undefined) {
      // A real CUDA problem, reported as such; never the bad model's error.
      expect(good.code).toBe('backend-unavailable');
      expect(good.message).toMatch(/CUDA/);
    }
  });
});
