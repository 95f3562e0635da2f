/**
 * The Worker path end to end: wrangler bundles test/runtime/workerd-bundle/worker.ts (as it will the
 * service's entry), the bundle runs in workerd through Miniflare, and its logits match onnxruntime-node's,
 * on onnxruntime-web and on the fused kernel (its precompiled module handed over, which `auto` then picks).
 * Both with and without nodejs_compat, since the service may enable it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { afterAll, describe, expect, it } from 'vitest';
import { createBinding, emptyPast } from '../../src/runtime';
import { distributionJs } from '../../src/sampling/logits';
import { fixtureBinding, loadFixture } from '../engine/support/fixture';
import { readFixtureFile } from '../engine/support/fixture-files';
import { causalInput, maxAbsDiff } from './masks';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = fileURLToPath(new URL('./workerd-bundle/worker.ts', import.meta.url));

async function bundle(outdir: string, flags: readonly string[]): Promise<string[]> {
  const config = join(outdir, 'wrangler.json');
  await writeFile(
    config,
    JSON.stringify({ name: 'runtime-bundle-check', main: entry, compatibility_date: '2026-04-20', compatibility_flags: flags }),
  );
  await run(join(root, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', join(outdir, 'dist'), '--config', config], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
    timeout: 120_000,
  });
  return readdir(join(outdir, 'dist'));
}

describe.each([[[]], [['nodejs_compat']]])('wrangler bundle in workerd, flags %j', (flags: string[]) => {
  let dir: string | undefined;
  let mf: Miniflare | undefined;
  afterAll(async () => {
    await mf?.dispose();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('bundles without onnxruntime-node and matches native logits on onnxruntime-web and on the kernel', async () => {
    dir = await mkdtemp(join(tmpdir(), 'runtime-bundle-'));
    const files = await bundle(dir, flags);
    const script = await readFile(join(dir, 'dist', 'worker.js'), 'utf8');
    // onnxruntime-web's module, the kernel's and the row statistics'.
    expect(files.filter((f) => f.endsWith('.wasm'))).toHaveLength(3);
    // The native addon and the WebGPU bundle are reached through computed specifiers only.
    expect(script).not.toContain('onnxruntime_binding.node');
    expect(script).not.toContain('ort-wasm-simd-threaded.asyncify');

    // Listed, not discovered: Miniflare refuses to walk bundles with computed import() specifiers.
    const dist = join(dir, 'dist');
    mf = new Miniflare({
      modulesRoot: dist,
      modules: [
        { type: 'ESModule', path: join(dist, 'worker.js') },
        ...files.filter((f) => f.endsWith('.wasm')).map((f) => ({ type: 'CompiledWasm' as const, path: join(dist, f) })),
      ],
      compatibilityDate: '2026-04-20',
      compatibilityFlags: flags,
      serviceBindings: { FIXTURE: async (request: { url: string }) => new Response(await readFixtureFile(new URL(request.url).pathname.slice(1))) },
    });
    const { architecture, manifest } = await loadFixture();
    const count = manifest.heads.cerberus!.num_heads;
    const tokens = [3, 1, 4, 1, 5].map((t) => t % architecture.vocab_size);
    const native = await fixtureBinding('native-cpu');
    const expected = await native.forward(causalInput(tokens, emptyPast(architecture), 0));
    const last = expected.logits.subarray((tokens.length - 1) * architecture.vocab_size);
    const hidden = expected.hidden.subarray((tokens.length - 1) * architecture.d_model);
    const expectedHeads = await native.heads('cerberus', hidden, 1, count, [tokens.at(-1)!]);
    await native.dispose();
    // The kernel runs its heads int8, quantised as the int8 heads graph is (kernel-heads.ts): that graph's logits.
    const int8Heads = manifest.base.variants?.['int8']?.heads?.cerberus;
    expect(int8Heads).toBeDefined();
    const { base } = await loadFixture();
    const native8 = await createBinding({ backend: 'native-cpu', base, heads: { cerberus: await readFixtureFile(int8Heads!) }, architecture: { ...architecture, decoding_heads: { cerberus: count } } });
    const expectedKernelHeads = await native8.heads('cerberus', hidden, 1, count, [tokens.at(-1)!]);
    await native8.dispose();

    for (const [backend, runsOn] of [['wasm', 'wasm'], ['auto', 'kernel']] as const) {
      const response = await mf.dispatchFetch('http://worker/', { method: 'POST', body: JSON.stringify({ architecture, tokens, backend, heads: count }) });
      const body = (await response.json()) as { backend: string; logits: number[]; headLogits: number[]; headsOnKernel: string[]; rowStats: boolean; entropy: number };
      expect(body.backend).toBe(runsOn);
      expect(body.rowStats).toBe(true);
      expect(maxAbsDiff(Float32Array.from(body.logits), expected.logits)).toBeLessThan(1e-4);
      const heads = runsOn === 'kernel' ? expectedKernelHeads.logits : expectedHeads.logits;
      const scale = Math.max(1, ...heads.map(Math.abs));
      expect(maxAbsDiff(Float32Array.from(body.headLogits), heads) / scale).toBeLessThan(runsOn === 'kernel' ? 1e-5 : 1e-3);
      // The kernel checked its heads against onnxruntime-web's in workerd and kept them.
      expect(body.headsOnKernel).toEqual(runsOn === 'kernel' ? ['cerberus'] : []);
      expect(Math.abs(body.entropy - distributionJs(last).entropy)).toBeLessThan(1e-4);
    }
  });
});
