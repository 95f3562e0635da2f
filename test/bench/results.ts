/**
 * The bench's results: per backend, per prompt group (stories; MT-Bench per category and all together), per
 * configuration. The zod schema is the documented JSON format (docs/benchmarks/README.md); `--json`
 * writes exactly this, validated.
 */
import { z } from 'zod';
import type { BenchConfig } from './configs';
import type { BenchPrompt } from './prompts';
import type { RunResult } from './runner';

export const SCHEMA_ID = 'cerberus-edge/bench@1';

const configResult = z.object({
  id: z.string(),
  name: z.string(),
  mode: z.enum(['ar', 'medusa', 'cerberus']),
  gate: z.enum(['off', 'adaptive', 'fixed']),
  threshold: z.number().nullable(),
  prompts: z.int(),
  tokens: z.int(),
  wallMs: z.number(),
  tokensPerSecond: z.number(),
  /** tokensPerSecond over AR's on the same prompts (totals). */
  ratioToAr: z.number(),
  /** Median over prompts of each prompt's tokens/s over AR's on it: the target measure. */
  medianRatioToAr: z.number(),
  /** Prompts the medians are taken over: those where AR emitted at least MIN_RATIO_TOKENS (a generation that
   * ends at once, an out-of-domain question answered by end-of-text, has no decoding speed to compare). */
  medianPrompts: z.int(),
  /** CPU time of the model's process (every thread), summed; and the ratios computed from it instead of wall time. */
  cpuMs: z.number(),
  cpuRatioToAr: z.number(),
  medianCpuRatioToAr: z.number(),
  tokensPerStep: z.number(),
  meanExtraPerParallelStep: z.number(),
  zeroAcceptShare: z.number(),
  parallelShare: z.number(),
  /** Share of the steps that verified a draft copied from the context (part of parallelShare). */
  draftShare: z.number(),
  ttftMsMedian: z.number(),
  peakRssMb: z.number(),
  thresholdEndMedian: z.number().nullable(),
  /** Prompts whose text differed from AR's on this backend: any > 0 fails the run. */
  mismatches: z.int(),
});

const group = z.object({
  set: z.enum(['stories', 'mt-bench']),
  /** 'stories', an MT-Bench category, or 'all' (every MT-Bench prompt). */
  category: z.string(),
  configs: z.array(configResult),
});

/** One prompt on one backend: what every configuration emitted and in how long, so a reader can see which prompts move a median. */
const promptRow = z.object({
  label: z.string(),
  set: z.enum(['stories', 'mt-bench']),
  category: z.string(),
  /** Per configuration id: tokens emitted, wall ms (the fastest of the repeats, as in the medians). */
  tokens: z.record(z.string(), z.int()),
  wallMs: z.record(z.string(), z.number()),
});

const phases = z.record(z.string(), z.number());

export const profileSchema = z.object({
  backend: z.string(),
  path: z.string(),
  steps: z.object({ ar: z.int(), parallel: z.int() }),
  meanTreeSize: z.number(),
  msPerStep: z.object({ ar: phases, parallel: phases }),
  arStepMs: z.number(),
  parallelStepMs: z.number(),
  /** A parallel step's time in AR steps; the cost model's prediction for the mean tree beside it. */
  parallelOverAr: z.number(),
  predictedOverAr: z.number().nullable(),
  /** Copying one step's inputs (past, mask) and outputs (logits, hidden, present) once, measured on their sizes. */
  copyMsPerParallelStep: z.number(),
  copyMsPerArStep: z.number(),
});
export type PhaseProfile = z.infer<typeof profileSchema>;

export const benchSchema = z.object({
  schema: z.literal(SCHEMA_ID),
  createdAt: z.string(),
  command: z.string(),
  durationS: z.number(),
  machine: z.object({
    cpuModel: z.string(),
    cpus: z.int(),
    memoryGb: z.number(),
    os: z.string(),
    node: z.string(),
    loadAverageAtStart: z.array(z.number()),
    note: z.string(),
  }),
  model: z.object({ dir: z.string(), name: z.string(), parameters: z.number() }),
  settings: z.object({
    maxTokens: z.int(),
    stories: z.int(),
    mtBench: z.int(),
    treeBudget: z.int(),
    thresholds: z.array(z.number()),
    data: z.string(),
    sessions: z.string(),
    repeats: z.int(),
    order: z.string(),
  }),
  backends: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      peakRssMb: z.number(),
      notes: z.record(z.string(), z.unknown()),
      groups: z.array(group),
      /** Absent in files written before 2026-12-02 (the committed runs before it). */
      prompts: z.array(promptRow).optional(),
    }),
  ),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
  profile: z.array(profileSchema),
  mismatches: z.int(),
});
export type BenchResults = z.infer<typeof benchSchema>;
export type ConfigResult = z.infer<typeof configResult>;
export type GroupResult = z.infer<typeof group>;
export type PromptRow = z.infer<typeof promptRow>;

/** One prompt's results on one backend, every configuration. */
export interface PromptRuns {
  readonly prompt: BenchPrompt;
  readonly runs: ReadonlyMap<string, RunResult>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Fewer tokens than this and a generation's time is its prompt's prefill, not decoding. */
export const MIN_RATIO_TOKENS = 8;

const rate = (r: RunResult) => (r.wallMs > 0 ? (1000 * r.tokens) / r.wallMs : 0);
const cpuRate = (r: RunResult) => (r.cpuMs > 0 ? (1000 * r.tokens) / r.cpuMs : 0);

export function summarise(configs: readonly BenchConfig[], prompts: readonly PromptRuns[]): ConfigResult[] {
  const ar = configs[0]!;
  const arTokens = prompts.reduce((s, p) => s + p.runs.get(ar.id)!.tokens, 0);
  const arWall = prompts.reduce((s, p) => s + p.runs.get(ar.id)!.wallMs, 0);
  const arRate = arWall > 0 ? (1000 * arTokens) / arWall : 0;
  const arCpu = prompts.reduce((s, p) => s + p.runs.get(ar.id)!.cpuMs, 0);
  const arCpuRate = arCpu > 0 ? (1000 * arTokens) / arCpu : 0;
  const decoded = prompts.filter((p) => p.runs.get(ar.id)!.tokens >= MIN_RATIO_TOKENS);
  const medianRatio = (id: string, f: (r: RunResult) => number) =>
    median(decoded.map((p) => f(p.runs.get(id)!) / Math.max(1e-9, f(p.runs.get(ar.id)!))));
  return configs.map((config) => {
    const runs = prompts.map((p) => p.runs.get(config.id)!);
    const sum = (f: (r: RunResult) => number) => runs.reduce((s, r) => s + f(r), 0);
    const tokens = sum((r) => r.tokens);
    const wallMs = sum((r) => r.wallMs);
    const steps = sum((r) => r.steps);
    const parallel = sum((r) => r.parallelSteps);
    const tps = wallMs > 0 ? (1000 * tokens) / wallMs : 0;
    const cpuMs = sum((r) => r.cpuMs);
    const cpuTps = cpuMs > 0 ? (1000 * tokens) / cpuMs : 0;
    return {
      id: config.id,
      name: config.name,
      mode: config.mode,
      gate: config.gate,
      threshold: config.threshold ?? null,
      prompts: runs.length,
      tokens,
      wallMs,
      tokensPerSecond: tps,
      ratioToAr: arRate > 0 ? tps / arRate : 0,
      medianRatioToAr: medianRatio(config.id, rate),
      medianPrompts: decoded.length,
      cpuMs,
      cpuRatioToAr: arCpuRate > 0 ? cpuTps / arCpuRate : 0,
      medianCpuRatioToAr: medianRatio(config.id, cpuRate),
      tokensPerStep: steps > 0 ? tokens / steps : 0,
      meanExtraPerParallelStep: parallel > 0 ? sum((r) => r.meanExtra * r.parallelSteps) / parallel : 0,
      zeroAcceptShare: parallel > 0 ? sum((r) => r.zeroAcceptSteps) / parallel : 0,
      parallelShare: steps > 0 ? parallel / steps : 0,
      draftShare: steps > 0 ? sum((r) => r.draftSteps) / steps : 0,
      ttftMsMedian: median(runs.map((r) => r.ttftMs)),
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      thresholdEndMedian: config.gate === 'off' || config.mode === 'ar' ? null : median(runs.map((r) => r.thresholdEnd)),
      mismatches: prompts.filter((p) => p.runs.get(config.id)!.text !== p.runs.get(ar.id)!.text).length,
    };
  });
}

/** Stories, every MT-Bench category in the order met, and all MT-Bench prompts together. */
export function groupsOf(configs: readonly BenchConfig[], prompts: readonly PromptRuns[]): GroupResult[] {
  const groups: GroupResult[] = [];
  const stories = prompts.filter((p) => p.prompt.set === 'stories');
  if (stories.length > 0) groups.push({ set: 'stories', category: 'stories', configs: summarise(configs, stories) });
  const mt = prompts.filter((p) => p.prompt.set === 'mt-bench');
  const categories = [...new Set(mt.map((p) => p.prompt.category))];
  for (const category of categories) {
    groups.push({ set: 'mt-bench', category, configs: summarise(configs, mt.filter((p) => p.prompt.category === category)) });
  }
  if (mt.length > 0) groups.push({ set: 'mt-bench', category: 'all', configs: summarise(configs, mt) });
  return groups;
}

/** Every prompt's runs as rows (configuration id → tokens, wall ms). */
export function promptRows(configs: readonly BenchConfig[], prompts: readonly PromptRuns[]): PromptRow[] {
  const per = (p: PromptRuns, f: (r: RunResult) => number) => Object.fromEntries(configs.map((c) => [c.id, f(p.runs.get(c.id)!)]));
  return prompts.map((p) => ({
    label: p.prompt.label,
    set: p.prompt.set,
    category: p.prompt.category,
    tokens: per(p, (r) => r.tokens),
    wallMs: per(p, (r) => r.wallMs),
  }));
}
