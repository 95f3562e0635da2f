/** The binding contract inside workerd: onnxruntime-web wasm is the only backend there. */
import { describe, expect, it } from 'vitest';
import { RUNTIME } from '../../src/runtime';
import { TEST_BACKENDS } from '../engine/support/fixture';
import { bindingContract } from './binding.case';

describe('host', () => {
  it('is workerd, so auto selects wasm only', () => {
    expect(RUNTIME.isWorkerd).toBe(true);
    expect(RUNTIME.isNode).toBe(false);
    expect(TEST_BACKENDS).toEqual(['wasm']);
  });

  it('refuses to compile wasm from bytes, which is why ORT gets a precompiled module', async () => {
    const emptyModule = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    const wasm = WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
    await expect(wasm.compile(emptyModule)).rejects.toThrow(/disallowed/);
  });
});

for (const backend of TEST_BACKENDS) bindingContract(backend);
