/**
 * The precompiled-module seam in Node (its own test file: ORT-web starts once per process). The host
 * provides the module; ORT must instantiate exactly that one and the global must be left as it was.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { createBinding, emptyPast, provideWasmModule } from '../../src/runtime';
import { loadFixture } from '../engine/support/fixture';
import { causalInput } from './masks';

it('onnxruntime-web runs on the host-provided module, asked for once, and WebAssembly.instantiate is restored', async () => {
  const originalInstantiate = WebAssembly.instantiate;
  let provided = 0;
  provideWasmModule(async () => {
    provided++;
    const path = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
    // workers-types (in the root tsconfig) omit compile; this file runs in Node.
    const wasm = WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
    return wasm.compile(await readFile(path));
  });
  const { base, heads, architecture } = await loadFixture();
  const [first, second] = await Promise.all([
    createBinding({ backend: 'wasm', base, heads, architecture }),
    createBinding({ backend: 'wasm', base, heads, architecture }),
  ]);
  try {
    expect(provided).toBe(1);
    expect(WebAssembly.instantiate).toBe(originalInstantiate);
    const out = await second.forward(causalInput([1, 2], emptyPast(architecture), 0));
    expect(out.logits.length).toBe(2 * architecture.vocab_size);
    expect(first.backend).toBe('wasm');
  } finally {
    await Promise.all([first.dispose(), second.dispose()]);
  }
});
