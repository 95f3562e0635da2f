/**
 * End to end: `npm start` (wrangler's dev server) serving the shipped model, called with the official openai client over
 * real HTTP. `npm test` runs it in the node project; `npm run test:e2e` runs it alone.
 * CERBERUS_E2E_MODEL_DIR serves another model folder instead (e.g. test/fixtures/tiny).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'e2e',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
