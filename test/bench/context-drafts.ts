/**
 * How often drafts copied from the context (src/tree/context-draft.ts) would propose the base model's own
 * greedy continuation, offline: AR continuations of held-out prompts (story openings past the main bench's,
 * MT-Bench questions), then at every step the draft contextDraft makes there, and how deep it matches.
 *   npm run bench:drafts -- [--model DIR] [--data DIR] [--stories 40] [--mt-bench 80] [--max-tokens 128]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel } from '../../src/index';
import { contextDraft, DRAFT_MATCH, MAX_DRAFT } from '../../src/tree/context-draft';
import { fileSource } from './model-dir';
import { mtBenchQuestions, storyOpenings } from './prompts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/tinystories-6m' },
    data: { type: 'string', default: '../shared/data' },
    stories: { type: 'string', default: '40' },
    'mt-bench': { type: 'string', default: '80' },
    'max-tokens': { type: 'string', default: '128' },
  },
});
const model = await loadModel(fileSource(values.model), { backend: 'native-cpu', threads: 1 });
const context = model.manifest.architecture.max_positions;
const maxTokens = Number(values['max-tokens']);
// The main bench takes the first 12 story openings: start after them.
const stories = (await storyOpenings(join(values.data, 'tinystories/valid.txt'), 20 + Number(values.stories))).slice(20);
const mt = await mtBenchQuestions(join(values.data, 'mt_bench/question.jsonl'), Number(values['mt-bench']));
const policy = { adaptive: false, threshold: 0, min: 0, max: 0, explorationRate: 0 } as const;

interface Tally { steps: number; drafts: number; accepted: number; firstAccepted: number }
const tallies = new Map<string, Tally>();
for (const prompt of [...stories, ...mt]) {
  const ids = model.tokenizer.encode(prompt.text);
  if (ids.length + maxTokens > context) continue;
  const out: number[] = [];
  const session = model.createSession({ gatePolicy: policy });
  for await (const e of session.generate(ids, { maxTokens, sampling: { kind: 'greedy' }, mode: 'ar', gate: false })) {
    if (e.type === 'tokens') out.push(...e.tokenIds);
  }
  const t = tallies.get(prompt.set) ?? { steps: 0, drafts: 0, accepted: 0, firstAccepted: 0 };
  // Step by step as a decoder that verifies every draft would: root out[i], then the draft's matching prefix.
  for (let i = 0; i < out.length; ) {
    const draft = contextDraft([...ids, ...out.slice(0, i)], out[i]!, MAX_DRAFT);
    let a = 0;
    while (a < draft.length && draft[a] === out[i + 1 + a]) a++;
    t.steps++;
    if (draft.length > 0) {
      t.drafts++;
      t.accepted += a;
      if (a > 0) t.firstAccepted++;
    }
    i += 1 + a;
  }
  tallies.set(prompt.set, t);
}
console.log(`drafts of up to ${MAX_DRAFT} tokens after a ${DRAFT_MATCH}-token match, ${values.model}, ${maxTokens} greedy tokens per prompt`);
console.log('| prompts | steps | steps with a draft | tokens accepted per draft | drafts accepting ≥ 1 |');
console.log('|---|---|---|---|---|');
for (const [set, t] of tallies) {
  const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
  console.log(`| ${set} | ${t.steps} | ${pct(t.drafts / t.steps)} | ${(t.accepted / Math.max(1, t.drafts)).toFixed(2)} | ${pct(t.firstAccepted / Math.max(1, t.drafts))} |`);
}
await model.dispose();
