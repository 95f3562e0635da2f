import type { BenchConfig } from './configs';
import type { BenchPrompt } from './prompts';

/** One generation as the client saw it. */
export interface RunResult {
  readonly text: string;
  /** Completion tokens. */
  readonly tokens: number;
  /** Request (or generate call) to end of the last token, as the client measured it. */
  readonly wallMs: number;
  /** To the first non-empty text. */
  readonly ttftMs: number;
  readonly steps: number;
  readonly parallelSteps: number;
  /** Parallel steps whose candidates were drafts copied from the context. */
  readonly draftSteps: number;
  readonly zeroAcceptSteps: number;
  /** Mean extra tokens per parallel step. */
  readonly meanExtra: number;
  readonly thresholdEnd: number;
  /**
   * CPU time the model's process used meanwhile (every thread), ms: what the generation cost in compute,
   * much less disturbed than wall time by other jobs on a shared machine.
   */
  readonly cpuMs: number;
  /** Largest resident memory sampled during the generation, MiB. */
  readonly peakRssMb: number;
}

/** A backend the bench drives: the Worker over HTTP, or the engine in this process. */
export interface BenchRunner {
  /** Key in the results: wasm-workerd, native-cpu, wasm-node, webgpu. */
  readonly name: string;
  /** How it is reached, for the report. */
  readonly path: string;
  run(prompt: BenchPrompt, config: BenchConfig, maxTokens: number): Promise<RunResult>;
  /** Lifetime peak resident memory, MiB. */
  peakRssMb(): Promise<number>;
  /** What the engine measured or assumed about step costs (native: the start-up curve). */
  readonly notes: Record<string, unknown>;
  dispose(): Promise<void>;
}

/** Samples `read` every `everyMs` while `work` runs; returns its result and the largest sample. */
export async function sampled<T>(read: () => Promise<number>, work: () => Promise<T>, everyMs = 50): Promise<[T, number]> {
  let peak = await read();
  let live = true;
  const loop = (async () => {
    while (live) {
      await new Promise((r) => setTimeout(r, everyMs));
      peak = Math.max(peak, await read());
    }
  })();
  try {
    const result = await work();
    return [result, Math.max(peak, await read())];
  } finally {
    live = false;
    await loop;
  }
}
