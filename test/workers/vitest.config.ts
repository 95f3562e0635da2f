/**
 * The service's integration tests inside workerd (@cloudflare/vitest-pool-workers): the real Worker entry
 * from wrangler.toml with its Durable Objects and SQLite, the model assets pointed at the tiny test
 * fixture instead of the shipped model. CERBERUS_FIXTURE_DIR points them at another model folder.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));
const modelDir = resolve(root, process.env['CERBERUS_FIXTURE_DIR'] ?? 'test/fixtures/tiny');

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: resolve(root, 'wrangler.toml') },
      miniflare: {
        assets: { directory: modelDir, binding: 'MODEL' },
        // Short, so the idle-timeout test is quick; long enough for the tests that pause between reads.
        // The fixture has no int8 variant: its fp32 base (CERBERUS_BASE_VARIANT names one of another folder's).
        bindings: { TURN_IDLE_TIMEOUT_MS: '3000', BASE_VARIANT: process.env['CERBERUS_BASE_VARIANT'] ?? '' },
      },
    }),
  ],
  test: {
    name: 'service-workerd',
    root,
    include: ['test/workers/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
