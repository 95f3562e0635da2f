import { z } from 'zod';
import { EngineError } from '../errors';

/** manifest.json as docs/model-contract.md defines it (format cerberus-edge-model/1). */
const positiveInt = z.number().int().positive();
const probability = z.number().min(0).max(1);
const treePaths = z.array(z.array(z.number().int().nonnegative()).min(1));

const treesByClass = z.object({ wasm: treePaths, native: treePaths, gpu: treePaths });
/** [tokens, ratio] points, tokens strictly increasing from 1, ratios >= 1 (a larger block never costs less than one token). */
const costCurve = z
  .array(z.tuple([z.number().int().min(1), z.number().min(1)]))
  .min(2)
  .refine((pts) => pts[0]![0] === 1 && pts.every((p, i) => i === 0 || p[0] > pts[i - 1]![0]), 'tokens must start at 1 and increase');

/**
 * What a step costs on one backend class, measured in the decoding pattern (`npm run bench:step-costs`: the engine's own start-up measurement), in
 * AR steps of the same base: `forward`, a tree forward of T nodes (a cost curve); `heads`, per kind, the
 * heads call per depth (index d - 1: the first d heads). Where the engine cannot time its backend
 * (workerd) these are its cost model.
 */
const stepCosts = z
  .object({
    forward: costCurve,
    heads: z.object({ cerberus: z.array(z.number().positive()).min(1).optional(), medusa: z.array(z.number().positive()).min(1).optional() }),
  })
  .strict();
// `kernel`: the fused kernel on one thread (its own class: a compute-bound wasm SIMD forward whose tree rows cost
// nearly what AR rows do, unlike onnxruntime's), what a Worker runs where it cannot time it.
const stepCostsByClass = z.object({ wasm: stepCosts.optional(), native: stepCosts.optional(), gpu: stepCosts.optional(), kernel: stepCosts.optional() });

const headsSchema = z.object({
  file: z.string().min(1),
  num_heads: positiveInt,
  /** Against the base model's greedy chain on valid text: what greedy verification accepts. */
  valid_top1: z.array(probability),
  valid_top5: z.array(probability),
  /** rank_accuracy[k][r]: share of positions where head k's rank-r token is the greedy one. */
  rank_accuracy: z.array(z.array(probability)).optional(),
  /** This head kind's own best static trees (else the top-level `trees`). */
  trees: treesByClass.optional(),
  /**
   * Set by models/tools/shortlist_heads.py: the graph projects onto `size` vocabulary ids only, and its
   * head_logits are [N, K, size], column j standing for token `ids[j]`. (Models shortlisted before `ids`
   * existed scattered back into V columns, every other id at `masked_value`; a V-wide output needs no ids.)
   */
  shortlist: z
    .object({
      size: positiveInt,
      ids: z.array(z.number().int().nonnegative()).optional(),
      masked_value: z.number().max(-1000).optional(),
      train_coverage: probability.optional(),
      greedy_coverage: probability.optional(),
    })
    .refine((s) => s.ids === undefined || s.ids.length === s.size, { message: 'shortlist.ids needs size entries' })
    .refine((s) => s.ids === undefined || s.ids.every((id, i) => i === 0 || id > s.ids![i - 1]!), { message: 'shortlist.ids must increase' })
    .optional(),
});

export const manifestSchema = z
  .object({
    format: z.literal('cerberus-edge-model/1'),
    name: z.string().min(1),
    architecture: z.object({
      vocab_size: positiveInt,
      d_model: positiveInt,
      n_layers: positiveInt,
      n_heads: positiveInt,
      n_kv_heads: positiveInt,
      head_dim: positiveInt,
      ffn_hidden: positiveInt,
      max_positions: positiveInt,
      rope_theta: z.number().positive(),
      /** RMSNorm's epsilon (the fused kernel reads it from a traced base, which does not carry it). */
      norm_eps: z.number().positive().optional(),
      parameters: positiveInt,
    }),
    tokenizer: z.object({
      file: z.string().min(1),
      eos_token_id: z.number().int().nonnegative(),
      eos_token: z.string().min(1),
      /** tokenizers.js's second constructor argument (carries clean_up_tokenization_spaces: false). */
      config: z.record(z.string(), z.unknown()).optional(),
    }),
    base: z.object({
      file: z.string().min(1),
      mask_value: z.number().max(-1000),
      /** Other files with the same contract and weights in another precision (models/tools/quantize.py). */
      variants: z
        .record(
          z.string().min(1),
          z.object({
            file: z.string().min(1),
            weights: z.string().optional(),
            /** The heads graphs in the same precision, used with this variant where listed. */
            heads: z.object({ cerberus: z.string().min(1).optional(), medusa: z.string().min(1).optional() }).optional(),
            valid_ppl: z.number().positive().optional(),
            valid_ppl_fp32: z.number().positive().optional(),
            /** Forwards of fewer tokens run padded to this many (src/runtime/padded-forward.ts says why). */
            min_rows_per_run: positiveInt.optional(),
            /** 'chains': parallel steps verify causal blocks only (src/decoding/tree-policy.ts, TreeShape, says why). */
            tree_shape: z.enum(['any', 'chains']).optional(),
            /** This variant's own step costs (as `step_costs`, in its own AR steps). */
            step_costs: stepCostsByClass.optional(),
          }),
        )
        .optional(),
    }),
    heads: z.object({ cerberus: headsSchema.optional(), medusa: headsSchema.optional() }),
    files: z.record(z.string(), z.object({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
    trees: treesByClass,
    gate: z.object({
      default_threshold: z.number().nonnegative(),
      calibration: z.object({
        head_kind: z.enum(['cerberus', 'medusa']),
        bin_edges: z.array(z.number().nonnegative()).min(2),
        mean_accepted: z.array(z.number().nonnegative()),
        count: z.array(z.number().int().nonnegative()),
      }),
    }),
    /**
     * The cost curves the tools sized the static trees and the gate's default with: cost(T)/cost(1) per
     * backend class. The engine falls back to them where it cannot time the backend (workerd), so the
     * tools and the engine trade off with one curve.
     */
    cost_curves: z
      .object({ wasm: costCurve.optional(), native: costCurve.optional(), gpu: costCurve.optional() })
      .optional(),
    /** The fp32 base's step costs per backend class (models/tools/step_costs.py); preferred to `cost_curves`. */
    step_costs: stepCostsByClass.optional(),
    training: z.record(z.string(), z.unknown()).optional(),
    parity: z.object({ file: z.string().min(1) }).optional(),
  })
  .superRefine((m, ctx) => {
    const cal = m.gate.calibration;
    const bins = cal.bin_edges.length - 1;
    if (cal.mean_accepted.length !== bins || cal.count.length !== bins) {
      ctx.addIssue({ code: 'custom', path: ['gate', 'calibration'], message: `needs ${bins} bins (bin_edges.length - 1)` });
    }
    if (cal.bin_edges.some((e, i) => i > 0 && e <= cal.bin_edges[i - 1]!)) {
      ctx.addIssue({ code: 'custom', path: ['gate', 'calibration', 'bin_edges'], message: 'must increase' });
    }
    if (m.tokenizer.eos_token_id >= m.architecture.vocab_size) {
      ctx.addIssue({ code: 'custom', path: ['tokenizer', 'eos_token_id'], message: 'must be < vocab_size' });
    }
    const variants = Object.values(m.base.variants ?? {}).flatMap((v) => [v.file, v.heads?.cerberus, v.heads?.medusa]);
    const named = [m.base.file, ...variants, m.tokenizer.file, m.heads.cerberus?.file, m.heads.medusa?.file];
    for (const file of named) {
      if (file !== undefined && !(file in m.files)) {
        ctx.addIssue({ code: 'custom', path: ['files'], message: `${file} is used but has no size/sha256 entry` });
      }
    }
    for (const [kind, heads] of Object.entries(m.heads)) {
      const last = heads?.shortlist?.ids?.at(-1);
      if (last !== undefined && last >= m.architecture.vocab_size) {
        ctx.addIssue({ code: 'custom', path: ['heads', kind, 'shortlist', 'ids'], message: 'must be < vocab_size' });
      }
    }
    if (m.heads.cerberus === undefined && m.heads.medusa === undefined) {
      ctx.addIssue({ code: 'custom', path: ['heads'], message: 'at least one head kind' });
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type HeadsManifest = z.infer<typeof headsSchema>;

export function parseManifest(bytes: Uint8Array): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new EngineError('invalid-manifest', 'manifest.json is not valid JSON', { file: 'manifest.json', cause });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new EngineError(
      'invalid-manifest',
      `manifest.json does not follow docs/model-contract.md:\n${z.prettifyError(parsed.error)}`,
      { file: 'manifest.json', cause: parsed.error },
    );
  }
  return parsed.data;
}
