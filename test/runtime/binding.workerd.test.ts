/**
 * The binding contract inside workerd: onnxruntime-web wasm and the fused kernel, both from precompiled
 * modules (support/workerd-setup.ts hands them over as the Worker entry does).
 */
import { describe, expect, it } from 'vitest';
import { measureCostCurve, RUNTIME } from '../../src/runtime';
import { fixtureBinding, loadFixture, TEST_BACKENDS } from '../engine/support/fixture';
import { bindingContract } from './binding.case';

describe('host', () => {
  it('is workerd: the contract runs on wasm and the kernel, and auto picks the kernel once its module is there', async () => {
    expect(RUNTIME.isWorkerd).toBe(true);
    expect(RUNTIME.isNode).toBe(false);
    expect(TEST_BACKENDS).toEqual(['wasm', 'kernel']);
    const binding = await fixtureBinding('auto');
    try {
      expect(binding.backend).toBe('kernel');
    } finally {
      await binding.dispose();
    }
  });

  it('refuses to compile wasm from bytes, which is why ORT and the kernel get precompiled modules', async () => {
    const emptyModule = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    const wasm = WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
    await expect(wasm.compile(emptyModule)).rejects.toThrow(/disallowed/);
  });
});

describe('measureCostCurve in workerd', () => {
  it('terminates although the clock only moves on I/O, in whole milliseconds', async () => {
    const { architecture } = await loadFixture();
    const binding = await fixtureBinding('wasm');
    try {
      // The warm-up loop would spin for 500 ms of a clock that does not run; it must stop on its own.
      const curve = await measureCostCurve(binding, { architecture, past: 8, sizes: [2], repeats: 3 });
      expect(curve.points.map((p) => p.tokens)).toEqual([1, 2]);
      for (const point of curve.points) expect(Number.isInteger(point.medianMs)).toBe(true);
    } finally {
      await binding.dispose();
    }
  });
});

for (const backend of TEST_BACKENDS) bindingContract(backend);
