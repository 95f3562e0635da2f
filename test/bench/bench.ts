/**
 * The benchmark: AR · Medusa · Medusa+gate · Cerberus · Cerberus+gate (adaptive) · Cerberus at fixed
 * thresholds, side by side in one run, interleaved per prompt (configuration order rotates from prompt to
 * prompt, backends alternate inside each configuration), on
 *   - wasm-workerd: the product's real path, HTTP → Worker → SessionDO in workerd (`npm start`), timed by the
 *     client; the Worker's default backend (the fused kernel, WebAssembly SIMD);
 *   - wasm-workerd-ort: the same Worker with BACKEND=wasm (onnxruntime-web), the forward it ran before the kernel;
 *   - wasm-workerd-fp32 (opt-in): the same Worker on its default backend with the fp32 base (BASE_VARIANT "");
 *   - native-cpu: onnxruntime-node, the engine in this process;
 *   - native-kernel: the fused kernel in this process on one thread, fp32 (what `auto` picks in Node);
 *   - webgpu: only where navigator.gpu offers a hardware adapter (else skipped, with the reason);
 *   - wasm-node (opt-in): onnxruntime-web wasm in Node;
 *   - kernel-node (opt-in): the fused kernel in Node on one thread, on the Worker's base variant.
 * Greedy, so every configuration must emit AR's text: a mismatch fails the run (exit code 1).
 * Writes a Markdown report, the JSON results (schema: docs/benchmarks/README.md) and an SVG chart.
 *
 *   npm run bench -- [--model DIR] [--backends wasm-workerd,wasm-workerd-ort,native-cpu,native-kernel,webgpu] [--stories 8] [--mt-bench 16]
 *                    [--max-tokens 128] [--thresholds 1,2,3] [--budget 16] [--data ../shared/data]
 *                    [--repeats 2] [--out DIR] [--json FILE] [--md FILE] [--svg FILE] [--profile-prompts 3] [--quick]
 *
 * --repeats: each (prompt, configuration, backend) runs that many times, spread over the prompt's round; the
 * fastest run counts (the one the machine's other jobs disturbed least; all must emit the same text).
 *
 * --render FILE: no runs; the Markdown report and the SVG chart written again from a results JSON (after a
 * change to how they are drawn), to --out / --md / --svg.
 *
 * --quick: the fixture model, 1 story + 2 MT-Bench prompts, 24 tokens, one fixed threshold: a test of the
 * harness and of AR equality (npm test runs it), not of speed.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchConfigs, type BenchConfig } from './configs';
import { EngineRunner } from './engine-runner';
import { defaultModelDir } from './model-dir';
import { profileBackend } from './profile';
import { fittingPrompts, mtBenchQuestions, storyOpenings, type BenchPrompt } from './prompts';
import { markdownReport } from './report-md';
import { svgChart } from './report-svg';
import { benchSchema, groupsOf, promptRows, SCHEMA_ID, type BenchResults, type PhaseProfile, type PromptRuns } from './results';
import type { BenchRunner, RunResult } from './runner';
import { WorkerdRunner } from './workerd-runner';
import { workerBaseVariant } from './worker-variant';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    backends: { type: 'string' },
    stories: { type: 'string' },
    'mt-bench': { type: 'string' },
    'max-tokens': { type: 'string' },
    thresholds: { type: 'string' },
    budget: { type: 'string', default: '16' },
    threads: { type: 'string' },
    data: { type: 'string', default: '../shared/data' },
    out: { type: 'string' },
    json: { type: 'string' },
    md: { type: 'string' },
    svg: { type: 'string' },
    'profile-prompts': { type: 'string' },
    repeats: { type: 'string' },
    quick: { type: 'boolean', default: false },
    render: { type: 'string' },
  },
});

const quick = args.quick === true;
const settings = {
  stories: Number(args.stories ?? (quick ? 1 : 8)),
  mtBench: Number(args['mt-bench'] ?? (quick ? 2 : 16)),
  maxTokens: Number(args['max-tokens'] ?? (quick ? 24 : 128)),
  thresholds: (args.thresholds ?? (quick ? '2' : '1,2,3')).split(',').filter(Boolean).map(Number),
  budget: Number(args.budget),
  profilePrompts: Number(args['profile-prompts'] ?? (quick ? 1 : 3)),
  /** Runs of every (prompt, configuration, backend); the fastest counts — the one other jobs disturbed least. */
  repeats: Math.max(1, Number(args.repeats ?? (quick ? 1 : 2))),
};

const log = (message: string) => process.stderr.write(`${message}\n`);

interface WebGpuProbe {
  readonly ok: boolean;
  readonly reason: string;
}

/** A hardware WebGPU adapter, or why there is none (Node has no navigator.gpu). */
async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } } | null> } } })
    .navigator?.gpu;
  if (gpu === undefined) return { ok: false, reason: `navigator.gpu is not available in Node ${process.version}` };
  const adapter = await gpu.requestAdapter();
  if (adapter === null) return { ok: false, reason: 'navigator.gpu.requestAdapter() returned no adapter' };
  if (adapter.isFallbackAdapter === true || adapter.info?.isFallbackAdapter === true) return { ok: false, reason: 'only a software (fallback) adapter' };
  return { ok: true, reason: 'hardware adapter' };
}

/** `workerVariant`: the base the Worker serves (wrangler.toml's BASE_VARIANT); wasm in Node runs the same. */
async function startRunners(names: readonly string[], dir: string, skipped: { name: string; reason: string }[], workerVariant: string | undefined): Promise<BenchRunner[]> {
  const runners: BenchRunner[] = [];
  const threads = args.threads === undefined ? {} : { threads: Number(args.threads) };
  for (const name of names) {
    log(`starting ${name} …`);
    const started = performance.now();
    if (name === 'wasm-workerd') runners.push(await WorkerdRunner.start(name, process.cwd(), dir, settings.budget, workerVariant));
    else if (name === 'wasm-workerd-ort') runners.push(await WorkerdRunner.start(name, process.cwd(), dir, settings.budget, workerVariant, 'wasm'));
    else if (name === 'wasm-workerd-fp32') runners.push(await WorkerdRunner.start(name, process.cwd(), dir, settings.budget, ''));
    else if (name === 'native-cpu' || name === 'native-cuda') runners.push(await EngineRunner.load(name, name, dir, { budget: settings.budget, ...threads }));
    else if (name === 'native-kernel') runners.push(await EngineRunner.load(name, 'kernel', dir, { budget: settings.budget, threads: 1 }));
    else if (name === 'wasm-node') runners.push(await EngineRunner.load(name, 'wasm', dir, { budget: settings.budget, baseVariant: workerVariant }));
    else if (name === 'kernel-node') runners.push(await EngineRunner.load(name, 'kernel', dir, { budget: settings.budget, baseVariant: workerVariant, threads: 1 }));
    else if (name === 'webgpu') {
      const probe = await probeWebGpu();
      if (!probe.ok) {
        skipped.push({ name, reason: probe.reason });
        log(`skipping webgpu: ${probe.reason}`);
        continue;
      }
      runners.push(await EngineRunner.load(name, 'webgpu', dir, { budget: settings.budget }));
    } else throw new Error(`unknown backend ${name}; one of wasm-workerd, wasm-workerd-ort, wasm-workerd-fp32, native-cpu, native-kernel, native-cuda, wasm-node, kernel-node, webgpu`);
    log(`  ${name} ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return runners;
}

function machine(): BenchResults['machine'] {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cpus: cpu.length,
    memoryGb: totalmem() / 2 ** 30,
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg(),
    note: process.env['CERBERUS_BENCH_MACHINE'] ?? '',
  };
}

async function write(path: string | undefined, text: string): Promise<void> {
  if (path === undefined) return;
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, text);
  log(`wrote ${path}`);
}

async function render(file: string): Promise<void> {
  const results = benchSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  await write(args.md ?? (args.out && join(args.out, 'bench.md')), markdownReport(results));
  await write(args.svg ?? (args.out && join(args.out, 'bench.svg')), svgChart(results));
}

async function main(): Promise<void> {
  if (args.render !== undefined) return render(args.render);
  const began = performance.now();
  const dir = args.model !== undefined ? resolve(args.model) : quick ? resolve('test/fixtures/tiny') : await defaultModelDir();
  const { fit: prompts, leftOut } = await fittingPrompts(
    [
      ...(await storyOpenings(join(args.data, 'tinystories/valid.txt'), settings.stories)),
      ...(await mtBenchQuestions(join(args.data, 'mt_bench/question.jsonl'), settings.mtBench)),
    ],
    dir,
  );
  const configs = benchConfigs(settings.thresholds);
  const skipped: { name: string; reason: string }[] = [...leftOut];
  const runners: BenchRunner[] = [];
  const extraProfilers: EngineRunner[] = [];
  // Ctrl-C (or a kill) still stops the dev server and releases the models.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void Promise.allSettled([...runners, ...extraProfilers].map((r) => r.dispose())).finally(() => process.exit(130));
    });
  }
  const workerVariant = await workerBaseVariant(process.cwd(), dir);
  // Quick mode (a test of the harness) leaves out the Worker on onnxruntime-web: one Worker is enough there.
  const backends = args.backends ?? (quick ? 'wasm-workerd,native-cpu,webgpu' : 'wasm-workerd,wasm-workerd-ort,native-cpu,native-kernel,webgpu');
  runners.push(...(await startRunners(backends.split(',').filter(Boolean), dir, skipped, workerVariant)));
  const profiles: PhaseProfile[] = [];
  try {
    log(`warming up: ${configs.length} configurations × ${runners.length} backends`);
    const warm: BenchPrompt = { ...prompts[0]!, label: 'warm-up' };
    for (const config of configs) for (const runner of runners) await runner.run(warm, config, Math.min(16, settings.maxTokens));

    const perRunner = new Map<string, PromptRuns[]>(runners.map((r) => [r.name, []]));
    for (const [i, prompt] of prompts.entries()) {
      const order = configs.map((_, k) => configs[(k + i) % configs.length]!);
      const runs = new Map<string, Map<string, RunResult>>(runners.map((r) => [r.name, new Map()]));
      for (let repeat = 0; repeat < settings.repeats; repeat++) {
        for (const config of order) {
          for (const runner of runners) {
            const run = await runner.run(prompt, config, settings.maxTokens);
            const kept = runs.get(runner.name)!.get(config.id);
            // Greedy output must not depend on the run: a repeat that differs counts as a mismatch.
            const text = kept !== undefined && kept.text !== run.text ? `${run.text}\u0000differs between repeats` : run.text;
            if (kept === undefined || run.wallMs < kept.wallMs || text !== run.text) runs.get(runner.name)!.set(config.id, { ...run, text });
          }
        }
      }
      for (const runner of runners) perRunner.get(runner.name)!.push({ prompt, runs: runs.get(runner.name)! });
      const elapsed = (performance.now() - began) / 1000;
      log(`[${i + 1}/${prompts.length}, ${elapsed.toFixed(0)} s] ${prompt.label}: ${runners.map((r) => summaryLine(r.name, configs, runs.get(r.name)!)).join('; ')}`);
    }

    // The profile: each in-process backend; each Worker's runtime once more in Node, where its clock runs
    // (not in workerd): the kernel on one thread for the default Worker, onnxruntime-web for BACKEND=wasm.
    const profiled: EngineRunner[] = runners.filter((r): r is EngineRunner => r instanceof EngineRunner);
    for (const worker of runners.filter((r): r is WorkerdRunner => r instanceof WorkerdRunner && settings.profilePrompts > 0)) {
      const [name, backend] = worker.notes['backend'] === 'kernel' ? (['kernel-node', 'kernel'] as const) : (['wasm-node', 'wasm'] as const);
      if (profiled.some((r) => r.name === name)) continue;
      const extra = await EngineRunner.load(name, backend, dir, { budget: settings.budget, baseVariant: workerVariant, threads: 1 });
      extraProfilers.push(extra);
      profiled.push(extra);
    }
    for (const runner of profiled.filter(() => settings.profilePrompts > 0)) {
      log(`profiling ${runner.name} …`);
      profiles.push(await profileBackend(runner, prompts.filter((p) => p.set === 'stories').slice(0, settings.profilePrompts), settings.maxTokens));
    }

    const manifest = (runners.find((r) => r instanceof EngineRunner) as EngineRunner | undefined)?.model.manifest ?? extraProfilers[0]?.model.manifest;
    const results: BenchResults = {
      schema: SCHEMA_ID,
      createdAt: new Date().toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      durationS: (performance.now() - began) / 1000,
      machine: machine(),
      model: { dir, name: manifest?.name ?? dir, parameters: manifest?.architecture.parameters ?? 0 },
      settings: {
        maxTokens: settings.maxTokens,
        stories: prompts.filter((p) => p.set === 'stories').length,
        mtBench: prompts.filter((p) => p.set === 'mt-bench').length,
        treeBudget: settings.budget,
        thresholds: settings.thresholds,
        data: args.data ?? '',
        sessions: 'a fresh session per prompt and configuration (the product default: no session id)',
        repeats: settings.repeats,
        order: 'per prompt, configurations in rotated order, backends alternating inside each configuration',
      },
      backends: await Promise.all(
        runners.map(async (r) => ({ name: r.name, path: r.path, peakRssMb: await r.peakRssMb(), notes: r.notes, groups: groupsOf(configs, perRunner.get(r.name)!), prompts: promptRows(configs, perRunner.get(r.name)!) })),
      ),
      skipped,
      profile: profiles,
      mismatches: 0,
    };
    const mismatches = results.backends.flatMap((b) =>
      b.groups.filter((g) => g.category === 'stories' || g.category === 'all').flatMap((g) => g.configs.filter((c) => c.mismatches > 0).map((c) => `${b.name} ${g.category} ${c.name}: ${c.mismatches}`)),
    );
    const checked = benchSchema.parse({ ...results, mismatches: results.backends.flatMap((b) => b.groups.filter((g) => g.category === 'stories' || g.category === 'all').flatMap((g) => g.configs)).reduce((s, c) => s + c.mismatches, 0) });
    const md = markdownReport(checked);
    console.log(md);
    const out = args.out;
    await write(args.json ?? (out && join(out, 'bench.json')), `${JSON.stringify(checked, null, 2)}\n`);
    await write(args.md ?? (out && join(out, 'bench.md')), md);
    await write(args.svg ?? (out && join(out, 'bench.svg')), svgChart(checked));
    if (mismatches.length > 0) {
      log(`FAILED: greedy output differs from AR: ${mismatches.join('; ')}`);
      process.exitCode = 1;
    }
    log(`done in ${((performance.now() - began) / 1000).toFixed(0)} s`);
  } finally {
    for (const r of [...runners, ...extraProfilers]) await r.dispose();
  }
}

function summaryLine(name: string, configs: readonly BenchConfig[], runs: ReadonlyMap<string, RunResult>): string {
  const ar = runs.get('ar')!;
  const rate = (r: RunResult) => r.tokens / Math.max(1e-9, r.wallMs);
  const cells = configs.slice(1, 5).map((c) => `${c.name} ${(rate(runs.get(c.id)!) / rate(ar)).toFixed(2)}`);
  return `${name} AR ${(1000 * rate(ar)).toFixed(0)} tok/s, ${cells.join(' ')}`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
