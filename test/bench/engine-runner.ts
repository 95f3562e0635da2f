/** The engine in this process (onnxruntime-node, or onnxruntime-web's wasm in Node), driven as the Worker's SessionDO drives it. */
import { readFile } from 'node:fs/promises';
import { loadModel, type BackendName, type GenerateOptions, type Model } from '../../src/index';
import type { StepProfile } from '../../src/index';
import { gatePolicyOf, type BenchConfig } from './configs';
import { fileSource } from './model-dir';
import type { BenchPrompt } from './prompts';
import { sampled, type BenchRunner, type RunResult } from './runner';

const rssMb = async () => process.memoryUsage().rss / 2 ** 20;

async function peakRss(): Promise<number> {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(await readFile('/proc/self/status', 'utf8'));
    return match === null ? rssMb() : Number(match[1]) / 1024;
  } catch {
    return rssMb();
  }
}

export interface EngineRunnerOptions {
  readonly budget: number;
  readonly threads?: number;
  /** LoadModelOptions.headsVariant: which heads graphs propose (bench:heads-precision compares them). */
  readonly headsVariant?: string;
  /** LoadModelOptions.baseVariant: a precision variant of the base (the manifest's `base.variants`); undefined: fp32. */
  readonly baseVariant?: string;
}

export class EngineRunner implements BenchRunner {
  readonly path = 'engine in Node (src/index.ts, a fresh Session per prompt)';
  readonly notes: Record<string, unknown>;
  /** When set, every generation adds its per-phase step times to it. */
  profile: StepProfile | undefined;

  private constructor(
    readonly name: string,
    readonly model: Model,
    private readonly options: EngineRunnerOptions,
  ) {
    this.notes = { backend: model.backend, baseVariant: options.baseVariant ?? 'fp32', costModel: model.costModel };
  }

  static async load(name: string, backend: BackendName, dir: string, options: EngineRunnerOptions): Promise<EngineRunner> {
    const model = await loadModel(fileSource(dir), {
      backend,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.headsVariant === undefined ? {} : { headsVariant: options.headsVariant }),
      ...(options.baseVariant === undefined ? {} : { baseVariant: options.baseVariant }),
    });
    return new EngineRunner(name, model, options);
  }

  async run(prompt: BenchPrompt, config: BenchConfig, maxTokens: number): Promise<RunResult> {
    const { model } = this;
    const ids = model.tokenizer.encode(prompt.text);
    const session = model.createSession({ gatePolicy: gatePolicyOf(config) });
    const opts: GenerateOptions = {
      maxTokens,
      sampling: { kind: 'greedy' },
      mode: config.mode,
      gate: config.gate !== 'off',
      drafts: config.drafts !== false,
      treeBudget: this.options.budget,
      ...(this.profile === undefined ? {} : { profile: this.profile }),
    };
    const cpuBefore = process.cpuUsage();
    const [result, peak] = await sampled(rssMb, async () => {
      const start = performance.now();
      let ttft = 0;
      let text = '';
      for await (const event of session.generate(ids, opts)) {
        if (event.type === 'tokens') {
          if (ttft === 0 && event.text.length > 0) ttft = performance.now() - start;
          text += event.text;
          continue;
        }
        const wallMs = performance.now() - start;
        const s = event.stats;
        return {
          text,
          tokens: s.tokens,
          wallMs,
          ttftMs: ttft === 0 ? wallMs : ttft,
          steps: s.steps,
          parallelSteps: s.parallelSteps,
          draftSteps: s.draftSteps,
          zeroAcceptSteps: s.zeroAcceptSteps,
          meanExtra: s.meanAccepted,
          thresholdEnd: s.threshold,
        };
      }
      throw new Error('the generation ended without a done event');
    });
    const cpu = process.cpuUsage(cpuBefore);
    return { ...result, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: peak };
  }

  peakRssMb(): Promise<number> {
    return peakRss();
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
