/**
 * What a change to the heads graphs does to acceptance, free of timing: greedy generations with every step
 * parallel over the manifest's static tree (no gate, no cost-driven tree), so tokens per step depend only on
 * the heads. Several model folders side by side (e.g. full vs shortlisted heads, models/tools/shortlist_heads.py);
 * each folder's text is checked against AR on the first folder (a mismatch fails the run).
 *
 *   npm run bench:heads-acceptance -- --models DIR1,DIR2,... [--backends native-cpu,wasm] [--kinds cerberus,medusa]
 *                                     [--stories 12] [--mt-bench 16] [--max-tokens 128] [--data ../shared/data]
 *
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
  },
});
if (values.models === undefined) throw new Error('--models DIR1,DIR2,... is required');
const dirs = values.models.split(',').map((d) => resolve(d));
const maxTokens = Number(values['max-tokens']);
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

let mismatches = 0;
console.log('| backend | heads | model | stories tokens/step | MT-Bench tokens/step | zero-accept share (stories / MT-Bench) | mismatches vs AR |');
console.log('|---|---|---|---|---|---|---|');
for (const backend of values.backends.split(',') as BackendName[]) {
  const reference = new Map<string, string>();
  const models = [];
  for (const dir of dirs) models.push({ dir, model: await loadModel(fileSource(dir), { backend }) });
  for (const p of prompts) reference.set(p.label, (await generate(models[0]!.model, p, 'ar')).text);
  for (const kind of values.kinds.split(',') as ('cerberus' | 'medusa')[]) {
    for (const { dir, model } of models) {
      const sums = { stories: { tokens: 0, steps: 0, zero: 0 }, 'mt-bench': { tokens: 0, steps: 0, zero: 0 } };
      let bad = 0;
      for (const p of prompts) {
        const r = await generate(model, p, kind);
        if (r.text !== reference.get(p.label)) bad++;
        const s = sums[p.set];
        s.tokens += r.tokens;
        s.steps += r.steps;
        s.zero += r.zero;
      }
      mismatches += bad;
      const shortlist = model.manifest.heads[kind]?.shortlist?.size;
      const tps = (s: { tokens: number; steps: number }) => (s.tokens / s.steps).toFixed(3);
      const zero = (s: { zero: number; steps: number }) => `${((100 * s.zero) / s.steps).toFixed(0)} %`;
      console.log(
        `| ${backend} | ${kind} | ${basename(dir)} (S=${shortlist ?? model.manifest.architecture.vocab_size}) | ${tps(sums.stories)} | ` +
          `${tps(sums['mt-bench'])} | ${zero(sums.stories)} / ${zero(sums['mt-bench'])} | ${bad} |`,
      );
    }
  }
  for (const { model } of models) await model.dispose();
}
if (mismatches > 0) {
  console.error(`${mismatches} generations differ from AR`);
  process.exit(1);
}
