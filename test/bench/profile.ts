/**
 * The per-phase profile of decoding steps on a backend in this process: every step's time split by phase
 * (src/step-profile.ts), AR and parallel (Cerberus, every step parallel), plus what copying one
 * step's tensors once costs at their real sizes. workerd cannot be profiled this way (its clock stands still
 * during compute); its runtimes are profiled in Node instead: kernel-node (the same decoder.wasm) and
 * wasm-node (the same onnxruntime-web build).
 */
import { StepProfile, STEP_PHASES } from '../../src/index';
import { parallelStepRatio } from '../../src/tree/cost-curve';
import type { BenchConfig } from './configs';
import type { EngineRunner } from './engine-runner';
import type { BenchPrompt } from './prompts';
import type { PhaseProfile } from './results';

const AR: BenchConfig = { id: 'ar', name: 'AR', mode: 'ar', gate: 'off' };
const CERBERUS: BenchConfig = { id: 'cerberus', name: 'Cerberus', mode: 'cerberus', gate: 'off' };

/** Median ms of copying `floats` float32 values once (Float32Array.set), over enough repeats to be readable. */
function copyMs(floats: number): number {
  const from = new Float32Array(floats).fill(1);
  const to = new Float32Array(floats);
  const times: number[] = [];
  for (let i = 0; i < 41; i++) {
    const start = performance.now();
    to.set(from);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

export async function profileBackend(runner: EngineRunner, prompts: readonly BenchPrompt[], maxTokens: number): Promise<PhaseProfile> {
  const profile = new StepProfile();
  runner.profile = profile;
  let cacheLength = 0;
  try {
    for (const prompt of prompts) {
      // AR and Cerberus on the same prompt, so both step kinds see the same cache lengths.
      await runner.run(prompt, AR, maxTokens);
      await runner.run(prompt, CERBERUS, maxTokens);
      cacheLength += runner.model.tokenizer.encode(prompt.text).length + maxTokens / 2;
    }
  } finally {
    runner.profile = undefined;
  }
  const ar = profile.perStep('ar');
  const parallel = profile.perStep('parallel');
  const total = (ms: Record<string, number>) => STEP_PHASES.reduce((s, p) => s + ms[p]!, 0);
  const meanTree = profile.steps.parallel > 0 ? profile.treeNodes / profile.steps.parallel : 0;
  const arch = runner.model.manifest.architecture;
  const p = Math.round(cacheLength / Math.max(1, prompts.length));
  const t = Math.max(1, Math.round(meanTree));
  const kvPerPosition = 2 * arch.n_layers * arch.n_kv_heads * arch.head_dim;
  // In: the whole past, the mask; out: logits, hidden states, the new K/V. Heads: hidden in, K×V logits out.
  const stepFloats = (tokens: number) => kvPerPosition * p + tokens * (p + tokens) + tokens * (arch.vocab_size + arch.d_model) + kvPerPosition * tokens;
  const headsFloats = arch.d_model + (runner.model.manifest.heads.cerberus?.num_heads ?? 0) * arch.vocab_size;
  return {
    backend: runner.name,
    path: `engine in Node, ${prompts.length} prompts × (AR + Cerberus without gate), ${maxTokens} tokens each`,
    steps: { ...profile.steps },
    meanTreeSize: meanTree,
    msPerStep: { ar, parallel },
    arStepMs: total(ar),
    parallelStepMs: total(parallel),
    parallelOverAr: total(ar) > 0 ? total(parallel) / total(ar) : 0,
    predictedOverAr: meanTree > 0 ? parallelStepRatio(runner.model.costModel, meanTree) : null,
    copyMsPerParallelStep: copyMs(stepFloats(t) + headsFloats),
    copyMsPerArStep: copyMs(stepFloats(1)),
  };
}
