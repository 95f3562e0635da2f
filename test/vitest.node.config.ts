import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Engine, model and entry tests that run in plain Node (onnxruntime-node and onnxruntime-web wasm).
export default defineConfig({
  test: {
    name: 'node',
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    exclude: ['test/workers/**', 'test/**/*.workerd.test.ts', '**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
