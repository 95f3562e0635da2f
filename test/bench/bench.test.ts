/**
 * `npm run bench -- --quick`: the harness end to end (the Worker in workerd over HTTP, native in Node, the
 * profile, the JSON / Markdown / SVG outputs) and AR equality on the fixture model. Not a test of speed:
 * nothing here reads a time.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchSchema, median, MIN_RATIO_TOKENS, type BenchResults } from './results';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run bench -- --quick', () => {
  let out: string;
  let results: BenchResults;
  let stdout: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cerberus-bench-test-'));
    const run = await promisify(execFile)('npm', ['run', '--silent', 'bench', '--', '--quick', '--out', out], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      maxBuffer: 16 * 2 ** 20,
    });
    stdout = run.stdout;
    results = benchSchema.parse(JSON.parse(await readFile(join(out, 'bench.json'), 'utf8')));
  }, 170_000);
  afterAll(async () => rm(out, { recursive: true, force: true }));

  it('drives the Worker in workerd and the native engine, every configuration on every prompt', () => {
    expect(results.backends.map((b) => b.name)).toEqual(['wasm-workerd', 'native-cpu']);
    expect(results.skipped.map((s) => s.name)).toContain('webgpu');
    for (const backend of results.backends) {
      const groups = backend.groups.map((g) => g.category);
      expect(groups[0]).toBe('stories');
      expect(groups).toContain('all');
      for (const group of backend.groups) {
        expect(group.configs.map((c) => c.id)).toEqual(['ar', 'medusa', 'medusa+gate', 'cerberus', 'cerberus+gate', 'cerberus+gate-nodrafts', 'cerberus@2']);
        for (const c of group.configs) {
          expect(c.tokens).toBeGreaterThan(0);
          expect(c.tokensPerStep).toBeGreaterThanOrEqual(1);
          expect(c.parallelShare).toBe(c.mode === 'ar' ? 0 : c.parallelShare);
          expect(c.peakRssMb).toBeGreaterThan(0);
          expect(c.cpuMs).toBeGreaterThan(0);
          expect(c.medianCpuRatioToAr).toBeGreaterThan(0);
        }
        // Every step of an ungated parallel mode is parallel, except a last token emitted without a forward.
        expect(group.configs.find((c) => c.id === 'cerberus')!.parallelShare).toBeGreaterThan(0.5);
      }
    }
  });

  it('lists every prompt with every configuration, and the medians are those rows\' medians', () => {
    for (const backend of results.backends) {
      const rows = backend.prompts ?? [];
      const stories = backend.groups.find((g) => g.category === 'stories')!;
      const all = backend.groups.find((g) => g.category === 'all')!;
      expect(rows.length).toBe(stories.configs[0]!.prompts + all.configs[0]!.prompts);
      const rate = (row: (typeof rows)[number], id: string) => row.tokens[id]! / row.wallMs[id]!;
      for (const group of [stories, all]) {
        const inGroup = rows.filter((r) => (group.category === 'stories' ? r.set === 'stories' : r.set === 'mt-bench'));
        const decoded = inGroup.filter((r) => r.tokens['ar']! >= MIN_RATIO_TOKENS);
        for (const c of group.configs) {
          expect(inGroup.reduce((n, r) => n + r.tokens[c.id]!, 0)).toBe(c.tokens);
          expect(median(decoded.map((r) => rate(r, c.id) / rate(r, 'ar')))).toBeCloseTo(c.medianRatioToAr, 9);
        }
      }
    }
  });

  it('emits exactly the AR text in every configuration (greedy)', () => {
    expect(results.mismatches).toBe(0);
    for (const c of results.backends.flatMap((b) => b.groups.flatMap((g) => g.configs))) expect(c.mismatches).toBe(0);
  });

  it('profiles parallel and AR steps phase by phase on native and on the Worker\'s kernel in Node', () => {
    expect(results.profile.map((p) => p.backend)).toEqual(['native-cpu', 'kernel-node']);
    for (const p of results.profile) {
      expect(p.steps.parallel).toBeGreaterThan(0);
      expect(p.steps.ar).toBeGreaterThan(0);
      expect(p.msPerStep.parallel['base-forward']).toBeGreaterThan(0);
      expect(p.msPerStep.parallel['heads']).toBeGreaterThan(0);
      expect(p.msPerStep.ar['heads']).toBe(0);
    }
  });

  it('writes the Markdown report and an SVG chart with a bar per group and mode', async () => {
    const md = await readFile(join(out, 'bench.md'), 'utf8');
    expect(md).toContain('## Targets (issue 7)');
    expect(md).toContain('## Per-phase profile');
    expect(stdout).toContain(md);
    const svg = await readFile(join(out, 'bench.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    const groups = results.backends.reduce((n, b) => n + b.groups.length, 0);
    expect(svg.match(/<rect [^>]*><title>/g)?.length).toBe(groups * 4);
  });
});
