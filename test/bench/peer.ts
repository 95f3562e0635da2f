/**
 * Our engine against llama.cpp on the same CPU, the same model (exported to GGUF), the same prompts, greedy.
 * Builds llama.cpp from the node-llama-cpp npm package on first use (llama-cpp.ts), checks that llama.cpp's
 * greedy text equals our AR text on every prompt, then measures decode tokens/s per thread count,
 * interleaved round by round (ours, then llama-bench, then the next thread count), and reports medians.
 *
 *   npm run bench:peer -- [--model DIR] [--prompts 5] [--max-tokens 128] [--rounds 5] [--threads 1,2]
 *                         [--out docs/benchmarks/peer] [--wasm true] [--kernel true] [--spinning false|true|auto (= threads > 1)]
 *
 * Writes <out>.json and <out>.svg, and the results section of <out>.md (between its markers; the prose
 * around them, docs/benchmarks/peer.md's explanation of the numbers, stays).
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel, type GatePolicy, type LearnedState, type GenerateOptions, type Model } from '../../src/index';
import { Totals } from './aggregate';
import { ensureGguf, ensureLlamaCpp, llamaBench, llamaGreedy, NODE_LLAMA_CPP_VERSION } from './llama-cpp';
import { defaultModelDir, fileSource } from './model-dir';
import { storyOpenings } from './prompts';
import { peerSvg } from './peer-svg';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    prompts: { type: 'string', default: '5' },
    'max-tokens': { type: 'string', default: '128' },
    rounds: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1,2' },
    out: { type: 'string', default: 'docs/benchmarks/peer' },
    wasm: { type: 'string', default: 'true' },
    // Our fused kernel (backend 'kernel', fp32) beside onnxruntime-node, per thread count.
    kernel: { type: 'string', default: 'true' },
    spinning: { type: 'string', default: 'false' },
    data: { type: 'string', default: '../shared/data' },
  },
});

type OurMode = 'ar' | 'cerberus';
interface OurConfig {
  readonly name: string;
  readonly mode: OurMode;
  readonly gate: boolean;
}
const OURS: readonly OurConfig[] = [
  { name: 'ours AR', mode: 'ar', gate: false },
  { name: 'ours Cerberus+gate', mode: 'cerberus', gate: true },
];

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** One engine configuration's runs over the prompts, keeping its gate state across prompts (as a session would). */
class OurRunner {
  private readonly learnedStates = new Map<OurConfig, LearnedState>();
  constructor(readonly model: Model, private readonly maxTokens: number) {}

  async generate(config: OurConfig, prompt: readonly number[]): Promise<{ tokens: number[]; totals: Totals }> {
    const policy: GatePolicy = { adaptive: true, threshold: this.model.manifest.gate.default_threshold, min: 0, max: 8, explorationRate: 0.05 };
    const state = this.learnedStates.get(config);
    const session = this.model.createSession({ gatePolicy: policy, ...(state === undefined ? {} : { learnedState: state }) });
    const opts: GenerateOptions = { maxTokens: this.maxTokens, sampling: { kind: 'greedy' }, mode: config.mode, gate: config.gate };
    const tokens: number[] = [];
    const totals = new Totals();
    for await (const event of session.generate([...prompt], opts)) {
      if (event.type === 'tokens') tokens.push(...event.tokenIds);
      else {
        totals.add(event.stats, tokens.length);
        this.learnedStates.set(config, session.learnedState());
      }
    }
    // As a service drops a conversation: the cache's memory goes back now (the kernel's storage), not at GC.
    session.dispose();
    return { tokens, totals };
  }

  /** Tokens/s over all prompts (one round), and the tokens of each prompt. */
  async round(config: OurConfig, prompts: readonly (readonly number[])[]): Promise<{ tps: number; outputs: number[][] }> {
    const all = new Totals();
    const outputs: number[][] = [];
    for (const p of prompts) {
      const { tokens, totals } = await this.generate(config, p);
      all.tokens += totals.tokens;
      all.wallMs += totals.wallMs;
      outputs.push(tokens);
    }
    return { tps: all.tokensPerSecond, outputs };
  }
}

interface Row {
  engine: string;
  threads: number;
  tokensPerSecond: number;
  rounds: number[];
}

async function main(): Promise<void> {
  const dir = args.model === undefined ? await defaultModelDir() : resolve(args.model);
  const maxTokens = Number(args['max-tokens']);
  const rounds = Number(args.rounds);
  const threadCounts = (args.threads ?? '1').split(',').map(Number);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
    name: string;
    base: { file: string; variants?: Record<string, { file: string }> };
    files: Record<string, { sha256: string }>;
  };
  const baseSha = manifest.files[manifest.base.file]!.sha256;
  const prompts = await storyOpenings(join(args.data, 'tinystories/valid.txt'), Number(args.prompts));
  console.error(`# peer benchmark: ${dir}, ${prompts.length} prompts × ${maxTokens} tokens, ${rounds} rounds, threads ${threadCounts.join(',')}`);

  const llama = ensureLlamaCpp();
  const gguf = ensureGguf(llama, dir, baseSha);

  // One runner per (thread count, base variant, backend): fp32 base.onnx, and int8 where the manifest has it,
  // on onnxruntime-node and on our fused kernel.
  const variants: (string | undefined)[] = [undefined, ...(manifest.base.variants?.int8 === undefined ? [] : ['int8'])];
  type Backend = 'native-cpu' | 'kernel';
  const runners: { threads: number; variant: string | undefined; backend: Backend; runner: OurRunner }[] = [];
  for (const t of threadCounts) {
    for (const v of variants) {
      for (const backend of ['native-cpu', ...(args.kernel === 'true' ? ['kernel'] : [])] as Backend[]) {
        // With 2+ threads ORT's workers spin between ops, as llama.cpp's do (OpenMP / its polling threadpool).
        const spinning = args.spinning === 'auto' ? t > 1 : args.spinning === 'true';
        const opts = { backend, threads: t, spinning, ...(v === undefined ? {} : { baseVariant: v }) };
        runners.push({ threads: t, variant: v, backend, runner: new OurRunner(await loadModel(fileSource(dir), opts), maxTokens) });
      }
    }
  }
  const first = runners.find((r) => r.threads === threadCounts[0] && r.variant === undefined && r.backend === 'native-cpu')!.runner;
  const label = (config: OurConfig, v: string | undefined, backend: Backend) =>
    `${config.name}${v === undefined ? '' : ` ${v}`}${backend === 'kernel' ? ' (kernel)' : ''}`;
  const promptIds = prompts.map((p) => first.model.tokenizer.encode(p.text));

  // Greedy equality: llama.cpp's text against our AR's, and every one of our modes against our AR.
  const ar = await first.round(OURS[0]!, promptIds);
  const equality = { llamaF32: 0, llamaQ8: 0, oursModes: 0, modeRuns: 0, kernelArPrompts: -1, modeMismatches: [] as string[], prompts: prompts.length, examples: [] as { prompt: string; ours: string; llama: string }[] };
  for (const [i, p] of prompts.entries()) {
    const ours = first.model.tokenizer.decode(ar.outputs[i]!);
    const f32 = llamaGreedy(llama, gguf.f32, p.text, maxTokens, 1).text;
    const q8 = llamaGreedy(llama, gguf.q8_0, p.text, maxTokens, 1).text;
    if (f32 === ours) equality.llamaF32++;
    else equality.examples.push({ prompt: p.text, ours, llama: f32 });
    if (q8 === ours) equality.llamaQ8++;
  }
  // Every mode against the AR of the binding it runs on (int8 against int8 AR; per thread count, since
  // onnxruntime's reductions may round differently with another thread split).
  for (const { runner, variant, backend, threads } of runners) {
    const reference = (await runner.round(OURS[0]!, promptIds)).outputs;
    if (backend === 'kernel' && variant === undefined && threads === threadCounts[0]) {
      equality.kernelArPrompts = reference.filter((o, i) => o.join() === ar.outputs[i]!.join()).length;
    }
    for (const config of OURS.slice(1)) {
      const { outputs } = await runner.round(config, promptIds);
      if (outputs.every((o, i) => o.join() === reference[i]!.join())) equality.oursModes++;
      else equality.modeMismatches.push(`${label(config, variant, backend)} ${threads}t`);
    }
  }
  const modeRuns = runners.length * (OURS.length - 1);
  equality.modeRuns = modeRuns;
  console.error(`greedy: llama.cpp f32 = ours on ${equality.llamaF32}/${prompts.length}, q8_0 on ${equality.llamaQ8}/${prompts.length}; our modes = AR in ${equality.oursModes}/${modeRuns} runs`);

  const wasm = args.wasm === 'true' ? new OurRunner(await loadModel(fileSource(dir), { backend: 'wasm' }), maxTokens) : undefined;
  // V8 tiers onnxruntime-web's wasm up in background threads during its first seconds (src/runtime/README.md).
  if (wasm !== undefined) await wasm.round(OURS[0]!, promptIds);
  const samples = new Map<string, number[]>();
  const push = (engine: string, threads: number, tps: number) => {
    const key = `${engine}\t${threads}`;
    samples.set(key, [...(samples.get(key) ?? []), tps]);
  };
  for (let r = 0; r < rounds; r++) {
    for (const t of threadCounts) {
      for (const { runner, variant, backend } of runners.filter((r) => r.threads === t)) {
        for (const config of OURS) push(label(config, variant, backend), t, (await runner.round(config, promptIds)).tps);
      }
      for (const [name, file] of [['llama.cpp f32', gguf.f32], ['llama.cpp q8_0', gguf.q8_0]] as const) {
        push(name, t, llamaBench(llama, file, maxTokens, [t], 1)[0]!.tokensPerSecond);
      }
    }
    if (wasm !== undefined) push('ours AR (wasm)', 1, (await wasm.round(OURS[0]!, promptIds)).tps);
    console.error(`round ${r + 1}/${rounds} done`);
  }

  const rows: Row[] = [...samples].map(([key, xs]) => {
    const [engine, threads] = key.split('\t');
    return { engine: engine!, threads: Number(threads), tokensPerSecond: median(xs), rounds: xs };
  });
  const result = {
    date: new Date().toISOString(),
    model: manifest.name,
    modelDir: dir,
    baseSha256: baseSha,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    llamaCpp: { fromNpm: `node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`, commit: llama.commit, kvCache: 'f16 (llama.cpp default)' },
    prompts: prompts.length,
    maxTokens,
    rounds,
    greedy: equality,
    rows,
  };
  const out = resolve(args.out ?? 'docs/benchmarks/peer');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(`${out}.json`, `${JSON.stringify(result, null, 1)}\n`);
  await writeFile(`${out}.md`, withResults(await readFile(`${out}.md`, 'utf8').catch(() => ''), markdown(result, threadCounts)));
  await writeFile(`${out}.svg`, peerSvg(rows, threadCounts));
  console.log(markdown(result, threadCounts));
  for (const runner of [...runners.map((r) => r.runner), ...(wasm === undefined ? [] : [wasm])]) await runner.model.dispose();
}

const START = '<!-- peer results: start -->';
const END = '<!-- peer results: end -->';

/** The document with its results section replaced (the prose around it is kept), or just the results. */
function withResults(doc: string, results: string): string {
  const i = doc.indexOf(START);
  const j = doc.indexOf(END);
  const block = `${START}\n${results}${END}`;
  return i >= 0 && j > i ? `${doc.slice(0, i)}${block}${doc.slice(j + END.length)}` : `${block}\n`;
}

function markdown(r: { date: string; model: string; machine: { cpu: string; cores: number }; prompts: number; maxTokens: number; rounds: number;
  greedy: { llamaF32: number; llamaQ8: number; oursModes: number; modeRuns: number; prompts: number; kernelArPrompts: number }; rows: Row[]; llamaCpp: { commit: string } }, threads: number[]): string {
  const get = (engine: string, t: number) => r.rows.find((x) => x.engine === engine && x.threads === t)?.tokensPerSecond ?? NaN;
  // Targets: the median over rounds of the ratio within each round (both sides ran seconds apart, so
  // the machine's load drifts less into a ratio than into either median).
  const ratio = (a: string, b: string, t: number) => {
    const ra = r.rows.find((x) => x.engine === a && x.threads === t)?.rounds ?? [];
    const rb = r.rows.find((x) => x.engine === b && x.threads === t)?.rounds ?? [];
    return median(ra.map((v, i) => v / rb[i]!).filter(Number.isFinite)).toFixed(2);
  };
  const ref = get('ours AR', 1);
  const engines = [...new Set(r.rows.map((x) => x.engine))];
  const lines = [
    `<!-- written by npm run bench:peer (test/bench/peer.ts); ${r.date} -->`,
    `Model ${r.model}; ${r.prompts} story prompts × ${r.maxTokens} tokens, greedy, one sequence; ${r.machine.cpu}, ${r.machine.cores} cores; ` +
      `llama.cpp ${r.llamaCpp.commit}. Decode tokens/s, median of ${r.rounds} interleaved rounds (in brackets: ratio to ours AR on 1 thread).`,
    '',
    `| engine | ${threads.map((t) => `${t} thread${t === 1 ? '' : 's'}`).join(' | ')} |`,
    `|---|${threads.map(() => '---').join('|')}|`,
    ...engines.map((e) => `| ${e} | ${threads.map((t) => (Number.isNaN(get(e, t)) ? '–' : `${get(e, t).toFixed(0)} (${(get(e, t) / ref).toFixed(2)})`)).join(' | ')} |`),
    '',
    `Targets: median over rounds of the ratio within a round.`,
    '',
    `| target | ${threads.map((t) => `${t} thread${t === 1 ? '' : 's'}`).join(' | ')} |`,
    `|---|${threads.map(() => '---').join('|')}|`,
    `| ours AR / llama.cpp f32 (≥ 1.0) | ${threads.map((t) => ratio('ours AR', 'llama.cpp f32', t)).join(' | ')} |`,
    `| ours Cerberus+gate / llama.cpp f32 (≥ 1.5) | ${threads.map((t) => ratio('ours Cerberus+gate', 'llama.cpp f32', t)).join(' | ')} |`,
    ...(engines.includes('ours AR (kernel)')
      ? [
          `| ours AR (kernel) / llama.cpp f32 (≥ 1.0) | ${threads.map((t) => ratio('ours AR (kernel)', 'llama.cpp f32', t)).join(' | ')} |`,
          `| ours Cerberus+gate (kernel) / llama.cpp f32 (≥ 1.5) | ${threads.map((t) => ratio('ours Cerberus+gate (kernel)', 'llama.cpp f32', t)).join(' | ')} |`,
        ]
      : []),
    `| ours AR int8 / llama.cpp q8_0 (≥ 1.2) | ${threads.map((t) => ratio('ours AR int8', 'llama.cpp q8_0', t)).join(' | ')} |`,
    `| ours Cerberus+gate int8 / llama.cpp q8_0 (≥ 1.2) | ${threads.map((t) => ratio('ours Cerberus+gate int8', 'llama.cpp q8_0', t)).join(' | ')} |`,
    ...(engines.includes('ours AR int8 (kernel)')
      ? [
          `| ours AR int8 (kernel) / llama.cpp q8_0 (≥ 1.2) | ${threads.map((t) => ratio('ours AR int8 (kernel)', 'llama.cpp q8_0', t)).join(' | ')} |`,
          `| ours Cerberus+gate int8 (kernel) / llama.cpp q8_0 (≥ 1.2) | ${threads.map((t) => ratio('ours Cerberus+gate int8 (kernel)', 'llama.cpp q8_0', t)).join(' | ')} |`,
        ]
      : []),
    `| wasm AR per-token time / native AR (1 thread) | ${ratio('ours AR', 'ours AR (wasm)', 1)} |${threads.slice(1).map(() => ' – |').join('')}`,
    '',
    `Greedy output: llama.cpp f32 text = our AR text on ${r.greedy.llamaF32}/${r.greedy.prompts} prompts (q8_0: ${r.greedy.llamaQ8}/${r.greedy.prompts}); ` +
      `Cerberus+gate = the AR of the binding it runs on (same variant, backend and thread count) on ${r.greedy.oursModes}/${r.greedy.modeRuns} (variant, backend, thread count) runs over all prompts.` +
      (r.greedy.kernelArPrompts >= 0 ? ` The kernel's AR text = onnxruntime-node's fp32 AR text on ${r.greedy.kernelArPrompts}/${r.greedy.prompts} prompts.` : ''),
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
