/**
 * The measurement behind the entropy gate: extra tokens a parallel step accepts, per entropy bin of the
 * base model's next-token distribution, for Medusa and Cerberus heads, on story openings (in domain) and
 * MT-Bench questions (out of domain). Every step runs in parallel (the gate never closes) and each
 * prompt starts from an empty gate state, so the numbers are this run's observations only, not the
 * manifest's calibration.
 *
 *   npm run bench:entropy -- [--model DIR] [--backend native-cpu] [--stories 10] [--mt-bench 16]
 *                            [--max-tokens 128] [--budget 32]
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel, type GatePolicy, type LearnedState, type Model } from '../../src/index';
import { defaultModelDir, fileSource, parseBackend } from './model-dir';
import { mtBenchQuestions, storyOpenings, type BenchPrompt } from './prompts';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    backend: { type: 'string', default: 'native-cpu' },
    stories: { type: 'string', default: '10' },
    'mt-bench': { type: 'string', default: '16' },
    'max-tokens': { type: 'string', default: '128' },
    budget: { type: 'string', default: '32' },
    data: { type: 'string', default: '../shared/data' },
  },
});

const HEAD_KINDS = ['medusa', 'cerberus'] as const;
/** Never gate: every step parallel, every bin observed. */
const OPEN: GatePolicy = { adaptive: false, threshold: 1e6, min: 0, max: 1e6, explorationRate: 0 };

interface BinTotals {
  readonly accepted: number[];
  readonly steps: number[];
}

function emptyState(edges: readonly number[]): LearnedState {
  const zeros = edges.slice(1).map(() => 0);
  return { version: 2, threshold: OPEN.threshold, binEdges: [...edges], sumAccepted: zeros, sumExpected: zeros, count: zeros };
}

async function measure(model: Model, prompts: readonly BenchPrompt[], kind: (typeof HEAD_KINDS)[number]): Promise<BinTotals> {
  const edges = model.manifest.gate.calibration.bin_edges;
  const totals: BinTotals = { accepted: edges.slice(1).map(() => 0), steps: edges.slice(1).map(() => 0) };
  for (const prompt of prompts) {
    // A fresh state per prompt: one generation stays below the gate's per-bin forgetting horizon.
    const session = model.createSession({ gatePolicy: OPEN, learnedState: emptyState(edges) });
    const opts = { maxTokens: Number(args['max-tokens']), sampling: { kind: 'greedy' as const }, mode: kind, gate: true, treeBudget: Number(args.budget) };
    for await (const event of session.generate(model.tokenizer.encode(prompt.text), opts)) {
      if (event.type !== 'done') continue;
      const state = session.learnedState();
      state.count.forEach((n, b) => {
        totals.steps[b]! += n;
        totals.accepted[b]! += state.sumAccepted[b]!;
      });
    }
  }
  return totals;
}

async function main(): Promise<void> {
  const dir = args.model === undefined ? await defaultModelDir() : resolve(args.model);
  const sets: [string, BenchPrompt[]][] = [
    ['stories', await storyOpenings(join(args.data, 'tinystories/valid.txt'), Number(args.stories))],
    ['mt-bench', await mtBenchQuestions(join(args.data, 'mt_bench/question.jsonl'), Number(args['mt-bench']))],
  ];
  const model = await loadModel(fileSource(dir), { backend: parseBackend(args.backend ?? 'native-cpu') });
  try {
    const edges = model.manifest.gate.calibration.bin_edges;
    const columns: { name: string; totals: BinTotals }[] = [];
    for (const [set, prompts] of sets) {
      for (const kind of HEAD_KINDS) columns.push({ name: `${set}, ${kind}`, totals: await measure(model, prompts, kind) });
    }
    const cost = model.costModel.points.map((p) => `${p.tokens}:${p.ratio.toFixed(2)}`).join(' ');
    console.log(`# extra tokens accepted per parallel step, by entropy bin: ${dir} on ${model.backend}`);
    console.log(`greedy, max ${args['max-tokens']} tokens, adaptive tree (budget ${args.budget}); cost model ${cost}, heads ${model.costModel.headsRatio.toFixed(2)}\n`);
    console.log(`| entropy (nats) | ${columns.map((c) => `${c.name}: steps, mean`).join(' | ')} |`);
    console.log(`|---|${columns.map(() => '---').join('|')}|`);
    edges.slice(1).forEach((upper, b) => {
      const cells = columns.map(({ totals }) => {
        const n = totals.steps[b]!;
        return n === 0 ? '0, –' : `${n}, ${(totals.accepted[b]! / n).toFixed(2)}`;
      });
      console.log(`| ${edges[b]!.toFixed(1)}–${upper.toFixed(1)} | ${cells.join(' | ')} |`);
    });
    const overall = columns.map(({ totals }) => {
      const n = totals.steps.reduce((a, x) => a + x, 0);
      return `${n}, ${(totals.accepted.reduce((a, x) => a + x, 0) / Math.max(1, n)).toFixed(2)}`;
    });
    console.log(`| all | ${overall.join(' | ')} |`);
  } finally {
    await model.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
