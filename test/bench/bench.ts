/**
 * AR vs Medusa vs Cerberus, each with and without the entropy gate, side by side in one run on the same
 * prompts, per backend. Greedy decoding, so every configuration must emit the AR tokens (mismatches are
 * counted and reported). Configurations are interleaved per prompt so load on the shared machine spreads
 * over all of them.
 *
 *   npm run bench -- [--model DIR] [--backends native-cpu,wasm] [--stories 8] [--mt-bench 8]
 *                    [--max-tokens 128] [--threads N] [--tree adaptive|static|dynamic] [--budget 32]
 *
 * --model defaults to the first models/<name>/ with a manifest.json, else test/fixtures/tiny.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel, type GatePolicy, type GateState, type GenerateOptions, type Model } from '../../src/index';
import { Totals } from './aggregate';
import { defaultModelDir, fileSource, parseBackend } from './model-dir';
import { mtBenchQuestions, storyOpenings, type BenchPrompt } from './prompts';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    backends: { type: 'string', default: 'native-cpu,wasm' },
    stories: { type: 'string', default: '8' },
    'mt-bench': { type: 'string', default: '8' },
    'max-tokens': { type: 'string', default: '128' },
    threads: { type: 'string' },
    tree: { type: 'string', default: 'adaptive' },
    budget: { type: 'string', default: '32' },
    data: { type: 'string', default: '../shared/data' },
  },
});

interface Config {
  readonly name: string;
  readonly mode: GenerateOptions['mode'];
  readonly gate: boolean;
}

const CONFIGS: readonly Config[] = [
  { name: 'AR', mode: 'ar', gate: false },
  { name: 'Medusa', mode: 'medusa', gate: false },
  { name: 'Medusa+gate', mode: 'medusa', gate: true },
  { name: 'Cerberus', mode: 'cerberus', gate: false },
  { name: 'Cerberus+gate', mode: 'cerberus', gate: true },
];

async function benchBackend(model: Model, prompts: readonly BenchPrompt[], maxTokens: number): Promise<Map<string, Map<Config, Totals>>> {
  const policy: GatePolicy = {
    mode: 'adaptive',
    threshold: model.manifest.gate.default_threshold,
    min: 0,
    max: 8,
    explorationRate: 0.05,
  };
  // Each configuration keeps its gate state across prompts, as a tenant's Durable Object would.
  const gateStates = new Map<Config, GateState | undefined>();
  const results = new Map<string, Map<Config, Totals>>();
  const run = async (config: Config, prompt: number[]) => {
    const gateState = gateStates.get(config);
    const session = model.createSession({ gatePolicy: policy, ...(gateState === undefined ? {} : { gateState }) });
    const opts: GenerateOptions = {
      maxTokens,
      sampling: { kind: 'greedy' },
      mode: config.mode,
      gate: config.gate,
      tree: args.tree === 'static' || args.tree === 'dynamic' ? args.tree : 'adaptive',
      treeBudget: Number(args.budget),
    };
    const tokens: number[] = [];
    for await (const event of session.generate(prompt, opts)) {
      if (event.type === 'tokens') tokens.push(...event.tokenIds);
      else {
        gateStates.set(config, session.gateState());
        return { tokens, stats: event.stats };
      }
    }
    throw new Error('no done event');
  };

  const warm = model.tokenizer.encode('Once upon a time');
  for (const config of CONFIGS) await run(config, warm);

  for (const prompt of prompts) {
    const ids = model.tokenizer.encode(prompt.text);
    const perSet = results.get(prompt.set) ?? new Map(CONFIGS.map((c) => [c, new Totals()]));
    results.set(prompt.set, perSet);
    let reference: number[] | undefined;
    for (const config of CONFIGS) {
      const { tokens, stats } = await run(config, ids);
      const totals = perSet.get(config)!;
      totals.add(stats, tokens.length);
      reference ??= tokens;
      if (tokens.join() !== reference.join()) totals.mismatches++;
    }
  }
  return results;
}

function report(backend: string, model: Model, results: Map<string, Map<Config, Totals>>, maxTokens: number): void {
  const cost = model.costModel;
  const curve = cost.points.map((p) => `${p.tokens}:${p.ratio.toFixed(2)}`).join(' ');
  console.log(`\n## ${model.manifest.name} on ${backend} (cost model ${cost.source}: ${curve}, heads ${cost.headsRatio.toFixed(2)})`);
  for (const [set, totals] of results) {
    const ar = totals.get(CONFIGS[0]!)!;
    console.log(`\n### ${set}: ${ar.generations} prompts, greedy, max ${maxTokens} tokens`);
    console.log('| config | tokens/s | × AR | tokens/step | extra accepted / parallel step | zero-accept share | parallel share | threshold (end) | model ms | JS ms | mismatches vs AR |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const [config, t] of totals) {
      const cells = [
        config.name,
        t.tokensPerSecond.toFixed(0),
        (t.tokensPerSecond / ar.tokensPerSecond).toFixed(2),
        t.tokensPerStep.toFixed(2),
        config.mode === 'ar' ? '–' : t.meanExtraAccepted.toFixed(2),
        config.mode === 'ar' ? '–' : `${(100 * t.zeroAcceptShare).toFixed(1)} %`,
        `${(100 * t.parallelShare).toFixed(1)} %`,
        config.gate ? (t.thresholds[t.thresholds.length - 1] ?? 0).toFixed(2) : '–',
        t.modelMs.toFixed(0),
        t.jsMs.toFixed(0),
        String(t.mismatches),
      ];
      console.log(`| ${cells.join(' | ')} |`);
    }
  }
}


async function main(): Promise<void> {
  const dir = args.model === undefined ? await defaultModelDir() : resolve(args.model);
  const maxTokens = Number(args['max-tokens']);
  const prompts = [
    ...(await storyOpenings(join(args.data, 'tinystories/valid.txt'), Number(args.stories))),
    ...(await mtBenchQuestions(join(args.data, 'mt_bench/question.jsonl'), Number(args['mt-bench']))),
  ];
  console.log(`# cerberus-edge benchmark: ${dir}, ${prompts.length} prompts, node ${process.version}`);
  for (const backend of (args.backends ?? '').split(',').filter(Boolean)) {
    const model = await loadModel(fileSource(dir), {
      backend: parseBackend(backend),
      ...(args.threads === undefined ? {} : { threads: Number(args.threads) }),
    });
    try {
      report(model.backend, model, await benchBackend(model, prompts, maxTokens), maxTokens);
    } finally {
      await model.dispose();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
