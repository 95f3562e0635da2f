/**
 * What a change to the heads graphs does to acceptance, free of timing: greedy generations with every step
 * parallel over the manifest's static tree (no gate, no cost-driven tree), so tokens per step depend only on
 * the heads. Several model folders side by side (e.g. full vs shortlisted heads, models/tools/shortlist_heads.py);
 * each folder's text is checked against AR on the first folder (a mismatch fails the run).
 *
 *   npm run bench:heads-acceptance -- --models DIR1,DIR2,... [--backends native-cpu,wasm] [--kinds cerberus,medusa]
 *                                     [--stories 12] [--mt-bench 16] [--max-tokens 128] [--data ../shared/data]
 *                                     [--repeats 1]
 *
 * Speed, from CPU time (far less disturbed by other jobs than wall time): CPU ms per generated token, each
 * generation the fastest of --repeats, prompts interleaved over the folders; "× first folder" = its tokens
 * per CPU-second over the first folder's (> 1: faster).
 * The backend picks the static tree (native-cpu: manifest trees.native; wasm: trees.wasm).
 */
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel, type BackendName, type DecodingMode } from '../../src/index';
import { ADAPTIVE_POLICY } from './configs';
import { fileSource } from './model-dir';
import { mtBenchQuestions, storyOpenings, type BenchPrompt } from './prompts';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    backends: { type: 'string', default: 'native-cpu,wasm' },
    kinds: { type: 'string', default: 'cerberus,medusa' },
    stories: { type: 'string', default: '12' },
    'mt-bench': { type: 'string', default: '16' },
    'max-tokens': { type: 'string', default: '128' },
    data: { type: 'string', default: '../shared/data' },
    repeats: { type: 'string', default: '1' },
  },
});
if (values.models === undefined) throw new Error('--models DIR1,DIR2,... is required');
const dirs = values.models.split(',').map((d) => resolve(d));
const maxTokens = Number(values['max-tokens']);
const repeats = Math.max(1, Number(values.repeats));
const prompts: BenchPrompt[] = [
  ...(await storyOpenings(join(values.data, 'tinystories/valid.txt'), Number(values.stories))),
  ...(await mtBenchQuestions(join(values.data, 'mt_bench/question.jsonl'), Number(values['mt-bench']))),
];

async function generate(model: Awaited<ReturnType<typeof loadModel>>, prompt: BenchPrompt, mode: DecodingMode) {
  const session = model.createSession({ gatePolicy: ADAPTIVE_POLICY }); // gate: false below, so unused
  let text = '';
  for await (const event of session.generate(model.tokenizer.encode(prompt.text), {
    maxTokens,
    sampling: { kind: 'greedy' },
    mode,
    gate: false,
    tree: 'static',
  })) {
    if (event.type === 'tokens') text += event.text;
    else if (event.type === 'done') return { text, tokens: event.stats.tokens, steps: event.stats.steps, zero: event.stats.zeroAcceptSteps };
  }
  throw new Error('no done event');
}

type Sums = { tokens: number; steps: number; zero: number; cpuMs: number };
const empty = (): Sums => ({ tokens: 0, steps: 0, zero: 0, cpuMs: 0 });

/** One generation, its CPU time (every thread of this process) the fastest of `repeats` runs. */
async function timed(model: Awaited<ReturnType<typeof loadModel>>, prompt: BenchPrompt, mode: DecodingMode) {
  let best: (Awaited<ReturnType<typeof generate>> & { cpuMs: number }) | undefined;
  for (let r = 0; r < repeats; r++) {
    const before = process.cpuUsage();
    const out = await generate(model, prompt, mode);
    const cpu = process.cpuUsage(before);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (best === undefined || cpuMs < best.cpuMs) best = { ...out, cpuMs };
  }
  return best!;
}

let mismatches = 0;
console.log('| backend | heads | model | stories tokens/step | MT-Bench tokens/step | zero-accept (stories / MT-Bench) | CPU ms per token (stories / MT-Bench) | × first folder | mismatches vs AR |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const backend of values.backends.split(',') as BackendName[]) {
  const reference = new Map<string, string>();
  const models = [];
  for (const dir of dirs) models.push({ dir, model: await loadModel(fileSource(dir), { backend }) });
  for (const p of prompts) reference.set(p.label, (await generate(models[0]!.model, p, 'ar')).text);
  for (const kind of values.kinds.split(',') as ('cerberus' | 'medusa')[]) {
    const sums = models.map(() => ({ stories: empty(), 'mt-bench': empty(), bad: 0 }));
    // Interleaved per prompt, the folders' order rotated, so load on the shared machine spreads over all of them.
    for (const [i, p] of prompts.entries()) {
      for (let j = 0; j < models.length; j++) {
        const m = (i + j) % models.length;
        const r = await timed(models[m]!.model, p, kind);
        if (r.text !== reference.get(p.label)) sums[m]!.bad++;
        const s = sums[m]![p.set];
        s.tokens += r.tokens;
        s.steps += r.steps;
        s.zero += r.zero;
        s.cpuMs += r.cpuMs;
      }
    }
    const perToken = (s: Sums) => s.cpuMs / s.tokens;
    const first = sums[0]!;
    for (const [m, { dir, model }] of models.entries()) {
      const own = sums[m]!;
      mismatches += own.bad;
      const shortlist = model.manifest.heads[kind]?.shortlist?.size;
      const tps = (x: Sums) => (x.tokens / x.steps).toFixed(3);
      const zero = (x: Sums) => `${((100 * x.zero) / x.steps).toFixed(0)} %`;
      const speed = (set: 'stories' | 'mt-bench') => (perToken(first[set]) / perToken(own[set])).toFixed(3);
      console.log(
        `| ${backend} | ${kind} | ${basename(dir)} (S=${shortlist ?? model.manifest.architecture.vocab_size}) | ${tps(own.stories)} | ` +
          `${tps(own['mt-bench'])} | ${zero(own.stories)} / ${zero(own['mt-bench'])} | ` +
          `${perToken(own.stories).toFixed(3)} / ${perToken(own['mt-bench']).toFixed(3)} | ${speed('stories')} / ${speed('mt-bench')} | ${own.bad} |`,
      );
    }
  }
  for (const { model } of models) await model.dispose();
}
if (mismatches > 0) {
  console.error(`${mismatches} generations differ from AR`);
  process.exit(1);
}
