import { z } from 'zod';
import { StepProfile } from '../step-profile';
import { HEAD_KINDS } from '../runtime/binding';
import type { DecodingMode, GatePolicy, GenerateOptions } from '../types';
import type { EngineConfig } from './config';
import { EngineError } from '../errors';

/** Every value of `GenerateOptions.mode`. */
export const DECODING_MODES: readonly [DecodingMode, ...DecodingMode[]] = ['ar', ...HEAD_KINDS];

const finite = z.number().refine(Number.isFinite, 'must be finite');

const sampling = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('greedy') }),
  z.object({
    kind: z.literal('sample'),
    temperature: finite.refine((t) => t > 0, 'must be > 0 (use { kind: "greedy" } for temperature 0)'),
    topK: z.number().int().positive().optional(),
    topP: finite.refine((p) => p > 0 && p <= 1, 'must be in (0, 1]').optional(),
    seed: z.number().int().optional(),
    typicalEpsilon: finite.refine((e) => e > 0 && e < 1, 'must be in (0, 1)').optional(),
  }),
]);

function generateSchema(config: EngineConfig) {
  return z.object({
    maxTokens: z.number().int().positive(),
    sampling,
    stop: z.array(z.string().min(1, 'stop sequences must not be empty')).optional(),
    mode: z.enum(DECODING_MODES),
    gate: z.boolean(),
    treeBudget: z.number().int().min(1).max(config.maxTreeBudget).optional(),
    tree: z.enum(['adaptive', 'static', 'dynamic']).optional(),
    drafts: z.boolean().optional(),
    signal: z.custom<AbortSignal>((v) => v === undefined || v instanceof AbortSignal, 'must be an AbortSignal').optional(),
    pace: z.custom<() => Promise<void>>((v) => v === undefined || typeof v === 'function', 'must be a function').optional(),
    profile: z.custom<StepProfile>((v) => v === undefined || v instanceof StepProfile, 'must be a StepProfile').optional(),
  });
}

const gatePolicy = z
  .object({
    adaptive: z.boolean(),
    threshold: finite.refine((t) => t >= 0, 'must be >= 0'),
    min: finite,
    max: finite,
    explorationRate: finite.refine((r) => r >= 0 && r <= 1, 'must be in [0, 1]'),
  })
  .refine((p) => p.min <= p.max, { message: 'min must be <= max' });

const costModel = z.object({
  points: z
    .array(z.object({ tokens: z.number().int().min(1), ratio: finite.refine((r) => r > 0, 'must be > 0') }))
    .refine((ps) => ps.every((p, i) => i === 0 || p.tokens > ps[i - 1]!.tokens), 'tokens must increase'),
  headsRatio: finite.refine((r) => r >= 0, 'must be >= 0'),
  headsRatioByDepth: z.array(finite.refine((r) => r >= 0, 'must be >= 0')).min(1).optional(),
});

export function validateCostModel(value: unknown): z.infer<typeof costModel> {
  return check(costModel, value, 'invalid cost model');
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new EngineError('invalid-options', `${what}: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  }
  return parsed.data;
}

export function validateGenerateOptions(opts: unknown, config: EngineConfig): GenerateOptions {
  return check(generateSchema(config), opts, 'invalid generate options');
}

export function validateGatePolicy(policy: unknown): GatePolicy {
  return check(gatePolicy, policy, 'invalid gate policy');
}

/** Every id an integer in [0, vocab); at least one token; room for at least one generated token. */
export function validatePrompt(ids: readonly number[], vocab: number, maxPositions: number): void {
  if (ids.length === 0) {
    throw new EngineError('invalid-options', 'the prompt is empty: pass at least one token (e.g. <|endoftext|>)');
  }
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
  if (bad !== -1) {
    throw new EngineError('unknown-token', `prompt token ${bad} is ${String(ids[bad])}, not a token id in [0, ${vocab})`);
  }
  if (ids.length >= maxPositions) {
    throw new EngineError(
      'context-overflow',
      `the prompt has ${ids.length} tokens; the model's context holds ${maxPositions}, so at most ${maxPositions - 1} leave room to generate`,
    );
  }
}
