/** createBinding's fallbacks and load-time errors, on the real runtimes (Node: native + wasm, no GPU). */
import { describe, expect, it } from 'vitest';
import { BindingError, createBinding, type CreateBindingOptions } from '../../src/runtime';
import { createWebGpuBinding } from '../../src/runtime/backend-webgpu';
import { loadFixture } from '../engine/support/fixture';

async function options(overrides: Partial<CreateBindingOptions> = {}): Promise<CreateBindingOptions> {
  const { base, heads, architecture } = await loadFixture();
  return { base, heads, architecture, ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<BindingError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BindingError);
  return error as BindingError;
}

describe('createBinding', () => {
  it('auto picks CUDA, else the fused kernel on Node; CUDA is skipped with a logged reason on a CPU-only machine', async () => {
    const logs: string[] = [];
    const binding = await createBinding(await options({ log: (m) => logs.push(m) }));
    try {
      expect(['native-cuda', 'kernel']).toContain(binding.backend);
      if (binding.backend === 'kernel') expect(logs.join('\n')).toMatch(/skipping native-cuda: .*CUDA/);
    } finally {
      await binding.dispose();
    }
  });

  it('webgpu without navigator.gpu degrades to wasm and says why', async () => {
    const logs: string[] = [];
    const binding = await createBinding(await options({ backend: 'webgpu', log: (m) => logs.push(m) }));
    try {
      expect(binding.backend).toBe('wasm');
      expect(logs).toEqual(['[runtime] skipping webgpu: WebGPU unavailable: navigator.gpu is not defined']);
    } finally {
      await binding.dispose();
    }
  });

  it('WebGPU with an API but no adapter is unavailable, not a crash', async () => {
    const { architecture } = await loadFixture();
    const noModel = { base: new Uint8Array(), heads: {} };
    const error = await failure(createWebGpuBinding(architecture, noModel, { gpu: { requestAdapter: async () => null } }));
    expect(error.code).toBe('backend-unavailable');
    expect(error.message).toMatch(/no adapter/);
  });

  it('WebGPU refuses a software fallback adapter unless it is allowed', async () => {
    const { architecture } = await loadFixture();
    const software = { requestAdapter: async () => ({ info: { isFallbackAdapter: true } }) };
    const error = await failure(createWebGpuBinding(architecture, { base: new Uint8Array(), heads: {} }, { gpu: software }));
    expect(error.code).toBe('backend-unavailable');
    expect(error.message).toMatch(/software fallback adapter/);
  });

  it('an unknown backend name fails with the list of supported ones', async () => {
    const error = await failure(createBinding(await options({ backend: 'gpu' as never })));
    expect(error.code).toBe('unknown-backend');
    expect(error.message).toMatch(/supported: auto, wasm, webgpu, native-cpu, native-cuda/);
  });

  it.each(['native-cpu', 'wasm'] as const)('%s: a graph that is not base.onnx fails the contract check', async (backend) => {
    const fixture = await loadFixture();
    const headsBytes = Object.values(fixture.heads)[0]!;
    const error = await failure(createBinding(await options({ backend, base: headsBytes })));
    expect(error.code).toBe('model-contract');
    expect(error.message).toMatch(/base\.onnx inputs .*missing: input_ids/);
  });

  it.each(['native-cpu', 'wasm'] as const)('%s: n_layers that disagrees with the graph is named', async (backend) => {
    const { architecture } = await loadFixture();
    const error = await failure(
      createBinding(await options({ backend, architecture: { ...architecture, n_layers: architecture.n_layers + 1 } })),
    );
    expect(error.code).toBe('model-contract');
    expect(error.message).toMatch(new RegExp(`missing: past\\.${architecture.n_layers}\\.key`));
  });

  it.each(['native-cpu', 'wasm'] as const)('%s: bytes that are not ONNX fail to load with a typed error', async (backend) => {
    const error = await failure(createBinding(await options({ backend, base: new TextEncoder().encode('not a model') })));
    expect(error.code).toBe('runtime-failure');
    expect(error.message).toMatch(/cannot load base\.onnx/);
  });

  it('rejects an architecture with a non-positive size before loading anything', async () => {
    const { architecture } = await loadFixture();
    const error = await failure(createBinding(await options({ architecture: { ...architecture, vocab_size: 0 } })));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toMatch(/architecture\.vocab_size/);
  });
});
