/**
 * The engine's tests inside workerd (the runtime Cloudflare runs), via @cloudflare/vitest-pool-workers.
 * The same test files run in Node (test/vitest.node.config.ts); only two things differ here:
 *   - ./support/fixture-files is aliased to its workerd twin, which fetches the fixture through the
 *     FIXTURE service binding below (served from disk by this Node process);
 *   - ./support/workerd-setup.ts provides onnxruntime-web's wasm module through a static `.wasm` import.
 * CERBERUS_FIXTURE_DIR (default test/fixtures/tiny) points it at another model folder.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));
const support = fileURLToPath(new URL('./support/', import.meta.url));
const fixtureDir = resolve(root, process.env['CERBERUS_FIXTURE_DIR'] ?? 'test/fixtures/tiny');

async function serveFixture(request: Request): Promise<Response> {
  const name = decodeURIComponent(new URL(request.url).pathname.slice(1));
  if (name.includes('/') || name.startsWith('.')) return new Response('bad name', { status: 400 });
  try {
    return new Response(await readFile(resolve(fixtureDir, name)));
  } catch {
    return new Response(`no ${name} in ${fixtureDir}`, { status: 404 });
  }
}

export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: {
        // wrangler.toml's date; the pool adds the Node.js compatibility it needs itself (production runs
        // without it: test/runtime/workerd-bundle.test.ts covers that).
        compatibilityDate: '2026-04-20',
        serviceBindings: { FIXTURE: serveFixture },
        // `.wasm` imports become WebAssembly.Module, as under wrangler's default rules.
        modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      },
    }),
  ],
  resolve: {
    alias: [{ find: /^\.\/fixture-files$/, replacement: resolve(support, 'fixture-files.workerd.ts') }],
  },
  test: {
    name: 'engine-workerd',
    root,
    include: ['test/engine/**/*.test.ts', 'test/runtime/**/*.workerd.test.ts'],
    setupFiles: [resolve(support, 'workerd-setup.ts')],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
