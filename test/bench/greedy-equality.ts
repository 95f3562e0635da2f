/**
 * Greedy equality at scale: on held-out prompts, every parallel mode without gate (every step a tree, so
 * the most verification) must emit exactly the AR text of the same model and variant. Reports how many
 * generations differ; exits 1 if any does. The figure behind the int8 variant's equality claim
 * (docs/benchmarks/peer.md).
 *   npm run bench:equality -- [--model DIR] [--variant int8] [--backend native-cpu] [--data DIR] [--stories 60] [--mt-bench 80]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel, type BackendName } from '../../src/index';
import { fileSource } from './model-dir';
import { mtBenchQuestions, storyOpenings } from './prompts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/tinystories-6m' },
    variant: { type: 'string' },
    backend: { type: 'string', default: 'native-cpu' },
    data: { type: 'string', default: '../shared/data' },
    stories: { type: 'string', default: '60' },
    'mt-bench': { type: 'string', default: '80' },
    'max-tokens': { type: 'string', default: '128' },
  },
});
const model = await loadModel(fileSource(values.model), {
  backend: values.backend as BackendName,
  ...(values.variant === undefined ? {} : { baseVariant: values.variant }),
});
const maxTokens = Number(values['max-tokens']);
const context = model.manifest.architecture.max_positions;
// The main bench takes the first 20 story openings: start after them.
const stories = (await storyOpenings(join(values.data, 'tinystories/valid.txt'), 20 + Number(values.stories))).slice(20);
const mt = await mtBenchQuestions(join(values.data, 'mt_bench/question.jsonl'), Number(values['mt-bench']));
const ungated = { adaptive: false, threshold: 0, min: 0, max: 0, explorationRate: 0 } as const;

async function greedy(ids: number[], mode: 'ar' | 'cerberus' | 'medusa'): Promise<{ text: string; tokens: number }> {
  const session = model.createSession({ gatePolicy: ungated });
  let text = '';
  let tokens = 0;
  for await (const e of session.generate(ids, { maxTokens, sampling: { kind: 'greedy' }, mode, gate: false })) {
    if (e.type === 'tokens') {
      text += e.text;
      tokens += e.tokenIds.length;
    }
  }
  return { text, tokens };
}

let prompts = 0;
let arTokens = 0;
const differing: string[] = [];
for (const prompt of [...stories, ...mt]) {
  const ids = model.tokenizer.encode(prompt.text);
  if (ids.length + maxTokens > context) continue;
  prompts++;
  const ar = await greedy(ids, 'ar');
  arTokens += ar.tokens;
  for (const mode of ['cerberus', 'medusa'] as const) {
    if ((await greedy(ids, mode)).text !== ar.text) differing.push(`${prompt.label} (${mode})`);
  }
}
const variant = values.variant ?? 'fp32';
console.log(`${values.model} ${variant} on ${model.backend}: ${prompts} prompts, ${arTokens} AR tokens; ` +
  `Cerberus and Medusa without gate differ from AR on ${differing.length} of ${2 * prompts} generations`);
for (const d of differing) console.log(`  differs: ${d}`);
await model.dispose();
process.exit(differing.length === 0 ? 0 : 1);
