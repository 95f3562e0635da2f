import type { DecodingMode } from '../engine/api';
import type { StatsRecorder } from '../engine/stats-recorder';
import type { EntropyGate } from '../gate/entropy-gate';
import type { HeadKind } from '../runtime/binding';
import { distribution } from '../sampling/logits';
import type { Sampler } from '../sampling/sampler';
import type { Cursor } from './cursor';
import { arStep, parallelStep, type StepContext } from './steps';
import type { TreePolicy } from './tree-policy';
import type { AcceptanceRule } from './verify';

/** How a generation decodes: AR, or parallel with a head kind and tree policy, gated or not. */
export type DecodePlan =
  | { readonly mode: 'ar' }
  | {
      readonly mode: Exclude<DecodingMode, 'ar'>;
      readonly headKind: HeadKind;
      readonly trees: TreePolicy;
      /** The session's gate: it learns from every parallel step, and decides only when `gated`. */
      readonly gate: EntropyGate;
      /** false: every step parallel (plain Medusa / Cerberus). */
      readonly gated: boolean;
      readonly rule: AcceptanceRule;
    };

/**
 * The decoding loop's state between steps. One `step` = gate → root token → AR or parallel forward →
 * bookkeeping; it returns the tokens it committed, which the caller may still cut (EOS, max tokens).
 */
export class DecodeLoop {
  private ended = false;

  constructor(
    private readonly ctx: StepContext,
    private cursor: Cursor,
    private readonly plan: DecodePlan,
    private readonly sampler: Sampler,
    private readonly eosTokenId: number,
    private readonly stats: StatsRecorder,
  ) {}

  /** True once a step emitted a token without running it: there is no cursor after it to continue from. */
  get exhausted(): boolean {
    return this.ended;
  }

  /** Precondition: not exhausted, the cache has room for the root (length < capacity), remaining >= 1. */
  async step(remaining: number): Promise<readonly number[]> {
    if (this.ended) throw new Error('DecodeLoop.step after the last token');
    const { cache } = this.ctx;
    const plan = this.plan;
    const room = cache.capacity - 1 - cache.length;
    const maxDepth = Math.min(remaining - 1, room);
    // The gate reads the entropy of the distribution that is about to be sampled (temperature 1). The
    // same pass finds the argmax, so a greedy parallel step reads the V-wide row once.
    const dist = plan.mode === 'ar' ? undefined : distribution(this.cursor.logits);
    const entropy = dist?.entropy ?? 0;
    const parallel = plan.mode !== 'ar' && maxDepth >= 1 && (!plan.gated || plan.gate.decide(entropy));
    const root = this.sampler.greedy && dist !== undefined ? dist.argmax : this.sampler.sample(this.cursor.logits);

    // Nothing more will be generated after this token: it needs no forward pass.
    if (root === this.eosTokenId || maxDepth < 1) {
      this.ended = true;
      this.stats.arStep();
      return [root];
    }
    if (plan.mode === 'ar' || !parallel) {
      const result = await arStep(this.ctx, root);
      this.cursor = result.cursor;
      this.stats.addModelTime(result.modelMs);
      this.stats.arStep();
      return result.tokens;
    }
    const tree = plan.trees.treeFor(maxDepth);
    const result = await parallelStep(this.ctx, this.cursor, root, tree, plan.headKind, plan.rule);
    this.cursor = result.cursor;
    const accepted = result.path.length - 1;
    this.stats.addModelTime(result.modelMs);
    this.stats.parallelStep(accepted);
    this.stats.treeSize = tree.size;
    plan.trees.record(tree, result.path);
    plan.gate.record(entropy, accepted, plan.trees.stepRatio());
    return result.tokens;
  }
}
