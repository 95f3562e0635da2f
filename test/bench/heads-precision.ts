/**
 * Which heads should propose for a base: the same fp32 base with its fp32 heads and with the int8 variant's
 * heads, interleaved per prompt (order alternating), each against the same AR run. The heads only propose,
 * so the output must stay AR's (a mismatch exits 1); what may differ is the heads call's time and the
 * tokens each step accepts. The measurement behind src/engine/native-heads.ts.
 *   npm run bench:heads-precision -- [--model DIR] [--backend native-cpu|wasm] [--data DIR] [--stories 20] [--mt-bench 16] [--rounds 2]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { StepProfile, STEP_PHASES, type BackendName } from '../../src/index';
import type { BenchConfig } from './configs';
import { EngineRunner } from './engine-runner';
import { mtBenchQuestions, storyOpenings } from './prompts';
import { MIN_RATIO_TOKENS } from './results';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/tinystories-6m' },
    backend: { type: 'string', default: 'native-cpu' },
    data: { type: 'string', default: '../shared/data' },
    stories: { type: 'string', default: '20' },
    'mt-bench': { type: 'string', default: '16' },
    rounds: { type: 'string', default: '2' },
  },
});
const backend = values.backend as BackendName;
const options = { budget: 16, ...(backend === 'native-cpu' ? { threads: 1 } : {}) };
// One at a time: each load times the backend for its cost model, which a second load running beside it would disturb.
const runners: EngineRunner[] = [];
for (const heads of ['fp32', 'int8']) runners.push(await EngineRunner.load(`${heads} heads`, backend, values.model, { ...options, headsVariant: heads }));
const context = runners[0]!.model.manifest.architecture.max_positions;
for (const r of runners) {
  const c = r.model.costModel;
  console.log(`${r.name}: cost model T=2..64 ${c.points.map((p) => p.ratio.toFixed(2)).join(' ')}, heads ${c.headsRatio.toFixed(2)} AR steps`);
}
// Past the main bench's 20 story openings.
const stories = (await storyOpenings(join(values.data, 'tinystories/valid.txt'), 20 + Number(values.stories))).slice(20);
const mt = await mtBenchQuestions(join(values.data, 'mt_bench/question.jsonl'), Number(values['mt-bench']));
const prompts = [...stories, ...mt].filter((p) => runners[0]!.model.tokenizer.encode(p.text).length + 128 <= context);
const AR: BenchConfig = { id: 'ar', name: 'AR', mode: 'ar', gate: 'off' };
const GATED: BenchConfig = { id: 'cerberus+gate', name: 'Cerberus+gate', mode: 'cerberus', gate: 'adaptive' };

interface Best { ms: number; tokens: number; steps: number; text: string }
const best = new Map<string, Best>();
const keep = (key: string, r: Best) => {
  const seen = best.get(key);
  if (seen === undefined || r.ms < seen.ms) best.set(key, r);
};
const profiles = new Map(runners.map((r) => [r.name, new StepProfile()]));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [i, prompt] of prompts.entries()) {
    const ar = await runners[0]!.run(prompt, AR, 128);
    keep(`ar|${i}`, { ms: ar.wallMs, tokens: ar.tokens, steps: ar.steps, text: ar.text });
    for (let k = 0; k < runners.length; k++) {
      const runner = runners[(k + i + round) % runners.length]!;
      runner.profile = round === 0 ? profiles.get(runner.name) : undefined;
      const r = await runner.run(prompt, GATED, 128);
      runner.profile = undefined;
      keep(`${runner.name}|${i}`, { ms: r.wallMs, tokens: r.tokens, steps: r.steps, text: r.text });
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
let mismatches = 0;
console.log(`# heads precision on ${backend}: ${values.model}, ${prompts.length} prompts, ${values.rounds} rounds, Cerberus + gate vs AR (fp32 base)`);
for (const set of ['stories', 'mt-bench'] as const) {
  const idx = prompts.flatMap((p, i) => (p.set === set && best.get(`ar|${i}`)!.tokens >= MIN_RATIO_TOKENS ? [i] : []));
  for (const runner of runners) {
    const ar = (i: number) => best.get(`ar|${i}`)!;
    const mine = (i: number) => best.get(`${runner.name}|${i}`)!;
    const ratios = idx.map((i) => mine(i).tokens / mine(i).ms / (ar(i).tokens / ar(i).ms));
    const tokens = idx.reduce((s, i) => s + mine(i).tokens, 0);
    const steps = idx.reduce((s, i) => s + mine(i).steps, 0);
    console.log(`${set.padEnd(8)} ${runner.name}: ×AR ${median(ratios).toFixed(3)} (median of ${idx.length}), tokens/step ${(tokens / steps).toFixed(2)}`);
  }
}
for (const [i] of prompts.entries()) for (const runner of runners) if (best.get(`${runner.name}|${i}`)!.text !== best.get(`ar|${i}`)!.text) mismatches++;
for (const runner of runners) {
  const per = profiles.get(runner.name)!.perStep('parallel');
  console.log(`${runner.name}: parallel step ${STEP_PHASES.reduce((s, p) => s + per[p]!, 0).toFixed(3)} ms, heads call ${per['heads']!.toFixed(3)} ms`);
}
console.log(`mismatches with AR: ${mismatches}`);
await Promise.all(runners.map((r) => r.model.dispose()));
process.exit(mismatches === 0 ? 0 : 1);
