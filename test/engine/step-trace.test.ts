/** The per-step trace on `tokens` events (token provenance): what each step was and whence its tokens came. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatePolicy, GenerateOptions, GenerationEvent, StepTrace } from '../../src/types';
import type { Model } from '../../src/engine/model';
import { GREEDY_AR, loadFixtureModel, newSession } from './engine-helpers';

let model: Model;
let prompt: number[];

beforeAll(async () => {
  model = await loadFixtureModel();
  prompt = model.tokenizer.encode('Once upon a time, there was a little girl named Lily. She');
});
afterAll(() => model?.dispose());

type TokensEvent = Extract<GenerationEvent, { type: 'tokens' }>;

async function tokenEvents(options: GenerateOptions, gatePolicy?: GatePolicy): Promise<TokensEvent[]> {
  const events: TokensEvent[] = [];
  for await (const event of newSession(model, gatePolicy).generate(prompt, options)) if (event.type === 'tokens') events.push(event);
  return events;
}

describe('StepTrace on tokens events', () => {
  it('AR mode: one base-model token per step, no entropy, no gate', async () => {
    const events = await tokenEvents({ ...GREEDY_AR, maxTokens: 16 });
    const stepped = events.filter((e) => e.step !== undefined);
    expect(stepped.length).toBeGreaterThan(0);
    for (const e of stepped) {
      expect(e.step).toEqual({ kind: 'ar', entropy: null, threshold: null, treeSize: 1 } satisfies StepTrace);
      expect(e.tokenIds.length).toBeLessThanOrEqual(1);
    }
  });

  it('parallel without the gate: every step parallel, at most one token per head beyond the base token', async () => {
    const events = await tokenEvents({ ...GREEDY_AR, maxTokens: 48, mode: 'cerberus', gate: false });
    const heads = model.manifest.heads.cerberus!.num_heads;
    const stepped = events.filter((e) => e.step !== undefined);
    expect(stepped.length).toBeGreaterThan(0);
    for (const e of stepped) {
      const step = e.step!;
      // The last step may be a plain one: nothing follows the final token.
      if (step.kind === 'ar') continue;
      expect(step.threshold).toBeNull();
      expect(step.entropy).toBeGreaterThanOrEqual(0);
      expect(step.treeSize).toBeGreaterThanOrEqual(e.tokenIds.length);
      expect(e.tokenIds.length).toBeLessThanOrEqual(1 + heads);
    }
    // Together the steps account for every token, and with this fixture some step accepts a head's token.
    expect(stepped.reduce((n, e) => n + e.tokenIds.length, 0)).toBe(events.reduce((n, e) => n + e.tokenIds.length, 0));
    expect(stepped.some((e) => e.tokenIds.length > 1)).toBe(true);
  });

  it('with a fixed gate: each step names the threshold it was decided against, and steps at or below it are parallel', async () => {
    // Fixed, so the adaptive gate's own fallback to AR (when its parallel arm loses) cannot intervene.
    const fixed: GatePolicy = { adaptive: false, threshold: 3, min: 0, max: 10, explorationRate: 0 };
    const events = await tokenEvents({ ...GREEDY_AR, maxTokens: 48, mode: 'medusa', gate: true }, fixed);
    const steps = events.flatMap((e) => (e.step === undefined ? [] : [e.step]));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(step.threshold).toEqual(expect.any(Number));
      expect(step.entropy).toEqual(expect.any(Number));
    }
    const belowThreshold = steps.filter((s) => s.entropy! <= s.threshold!);
    // Nothing forces a step at or below the threshold to be AR except the end of the generation; above it
    // a fixed gate never explores.
    expect(belowThreshold.filter((s) => s.kind === 'ar').length).toBeLessThanOrEqual(1);
    expect(steps.filter((s) => s.entropy! > s.threshold! && s.kind === 'parallel')).toEqual([]);
    expect(belowThreshold.length).toBeGreaterThan(1);
  });
});
