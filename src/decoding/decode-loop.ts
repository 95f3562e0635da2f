import type { CostModel, StepTrace } from '../types';
import { contextDraft, MAX_DRAFT, type DraftAcceptance } from '../tree/context-draft';
import { costRatio } from '../tree/cost-curve';
import type { StatsRecorder } from './stats-recorder';
import type { EntropyGate } from '../gate/entropy-gate';
import { StepTimer, type ObservedCost } from '../gate/observed-cost';
import type { HeadKind } from '../runtime/binding';
import { distribution } from '../sampling/logits';
import type { Sampler } from '../sampling/sampler';
import type { Cursor } from './cursor';
import { Laps, type StepProfile } from '../step-profile';
import { arStep, draftStep, parallelStep, type StepContext } from './steps';
import { parallelOutlook, type TreePolicy } from './tree-policy';
import type { AcceptanceRule } from './verify';

/** How a generation decodes: AR, or parallel with a head kind and tree policy, gated or not. */
export type DecodePlan =
  | { readonly mode: 'ar' }
  | {
      /** The head kind that proposes candidates ('medusa' | 'cerberus'). */
      readonly mode: HeadKind;
      readonly trees: TreePolicy;
      /** The session's gate: it learns from every parallel step, and decides only when `gated`. */
      readonly gate: EntropyGate;
      /** false: every step parallel (plain Medusa / Cerberus). */
      readonly gated: boolean;
      /**
       * Whether the gate may use observed step times. Only when the output cannot depend on its decisions
       * (greedy): timing is not reproducible, and a seeded sampled generation must be.
       */
      readonly timedGate: boolean;
      readonly rule: AcceptanceRule;
      /** Drafts copied from the context, where the cost model says they pay (context-draft.ts); absent: off. */
      readonly drafts?: { readonly acceptance: DraftAcceptance; readonly cost: Pick<CostModel, 'points'> };
    };

/**
 * The decoding loop's state between steps. One `step` = gate → root token → AR, parallel or draft forward →
 * bookkeeping; it returns the tokens the caller may emit and, when the generation ends with them, why.
 */
export interface DecodeLoopParts {
  readonly ctx: StepContext;
  /** After the prefill. */
  readonly cursor: Cursor;
  readonly plan: DecodePlan;
  readonly sampler: Sampler;
  readonly eosTokenId: number;
  readonly stats: StatsRecorder;
  readonly observed: ObservedCost;
  /** Per-phase step times, when the caller asked for them. */
  readonly profile?: StepProfile;
}

/**
 * What a step gives the caller: tokens to emit (at most `remaining`, never EOS) and, when the generation
 * ends with them, why — 'eos' (the model ended it), 'length' (max tokens or the context is full). Stop
 * sequences are text, the caller's business.
 */
export interface StepOutcome {
  readonly tokens: readonly number[];
  readonly end?: 'eos' | 'length';
}

/** The outlook the gate weighs parallel steps by: the tree's, with costs corrected as observed where allowed. */
export function outlookOf(plan: Exclude<DecodePlan, { mode: 'ar' }>, observed: ObservedCost) {
  return parallelOutlook(plan.trees, plan.timedGate ? observed.correction() : 1);
}

export class DecodeLoop {
  private ended = false;
  private cursor: Cursor;
  /** How the last `step` went (token provenance for the caller's events). */
  lastStep: StepTrace | undefined;
  /**
   * A step's cost is the time from its start to the next step's start: its compute, and delivering its
   * tokens to the consumer (fewer, larger steps deliver less often: a real saving). The last step of a
   * generation is not charged.
   */
  private readonly timer: StepTimer;

  constructor(private readonly parts: DecodeLoopParts) {
    this.cursor = parts.cursor;
    this.timer = new StepTimer(parts.observed);
  }

  /** One step; `remaining` >= 1 tokens may still be emitted. Not called again after an outcome with `end`. */
  async step(remaining: number): Promise<StepOutcome> {
    if (this.ended) throw new Error('DecodeLoop.step after the generation ended');
    const committed = await this.run(remaining);
    const eos = committed.indexOf(this.parts.eosTokenId);
    const tokens = committed.slice(0, Math.min(remaining, eos === -1 ? committed.length : eos));
    const room = this.parts.ctx.cache.capacity - this.parts.ctx.cache.length;
    const end = eos !== -1 && eos < remaining ? 'eos' : this.ended || tokens.length >= remaining || room <= 0 ? 'length' : undefined;
    if (end !== undefined) this.ended = true;
    return end === undefined ? { tokens } : { tokens, end };
  }

  /** The tokens one step commits (the root, then any accepted); the cache holds all but a last unrun root. */
  private async run(remaining: number): Promise<readonly number[]> {
    const { ctx, plan, sampler, stats, observed, profile } = this.parts;
    const { cache } = ctx;
    const began = performance.now();
    this.timer.start(began);
    const room = cache.capacity - 1 - cache.length;
    const maxDepth = Math.min(remaining - 1, room);
    // The gate reads the entropy of the distribution that is about to be sampled (temperature 1). The
    // same pass finds the argmax, so a greedy parallel step reads the V-wide row once.
    const dist = plan.mode === 'ar' ? undefined : distribution(this.cursor.logits);
    const entropy = dist?.entropy ?? 0;
    const parallel = plan.mode !== 'ar' && maxDepth >= 1 && (!plan.gated || plan.gate.decide(entropy));
    const root = sampler.greedy && dist !== undefined ? dist.argmax : sampler.sample(this.cursor.logits);
    const threshold = plan.mode !== 'ar' && plan.gated ? plan.gate.currentThreshold : null;
    const trace = (kind: StepTrace['kind'], treeSize: number): StepTrace => ({ kind, entropy: dist?.entropy ?? null, threshold, treeSize });
    this.lastStep = trace('ar', 1);

    // Nothing more will be generated after this token: it needs no forward pass.
    if (root === this.parts.eosTokenId || maxDepth < 1) {
      this.ended = true;
      stats.arStep();
      return [root];
    }
    const draft = this.draftFor(root, maxDepth, parallel);
    const laps = profile === undefined ? undefined : new Laps(profile, draft !== undefined ? 'draft' : parallel ? 'parallel' : 'ar', began);
    laps?.lap('gate');
    if (draft !== undefined && plan.mode !== 'ar' && plan.drafts !== undefined) {
      const result = await draftStep(ctx, root, draft, plan.rule, laps);
      const accepted = result.path.length - 1;
      this.cursor = result.cursor;
      this.lastStep = trace('draft', result.tree.size);
      this.timer.ran({ kind: 'parallel', predictedRatio: costRatio(plan.drafts.cost, result.tree.size) }, began);
      stats.addModelTime(result.modelMs);
      stats.draftStep(accepted);
      plan.drafts.acceptance.record(draft.length, accepted);
      laps?.lap('bookkeeping');
      return result.tokens;
    }
    if (plan.mode === 'ar' || !parallel) {
      const result = await arStep(ctx, root, laps);
      this.timer.ran({ kind: 'ar' }, began);
      this.cursor = result.cursor;
      stats.addModelTime(result.modelMs);
      stats.arStep();
      laps?.lap('bookkeeping');
      return result.tokens;
    }
    const pickTree = (headLogits: Float32Array, width: number) => plan.trees.treeForStep(maxDepth, headLogits, width);
    const result = await parallelStep(ctx, this.cursor, root, pickTree, plan.trees.headsDepth(maxDepth), plan.mode, plan.rule, laps);
    const { tree } = result.step;
    this.cursor = result.cursor;
    this.lastStep = trace('parallel', tree.size);
    const accepted = result.path.length - 1;
    this.timer.ran({ kind: 'parallel', predictedRatio: plan.trees.stepRatioFor(tree) }, began);
    stats.addModelTime(result.modelMs);
    stats.parallelStep(accepted);
    stats.treeSize = tree.size;
    plan.trees.record(result.step, result.path);
    // The gate weighs accepted tokens against what a parallel step costs here, as observed.
    plan.gate.record(entropy, accepted, result.step.expectedAccepted, outlookOf(plan, observed));
    laps?.lap('bookkeeping');
    if (profile !== undefined) profile.treeNodes += tree.size;
    return result.tokens;
  }

  /**
   * A draft copied from the context for this step, when one exists and is expected to pay more than the
   * step the gate chose: an AR step (1 token per AR cost) or a heads step (its tree's expected tokens per
   * its cost).
   */
  private draftFor(root: number, maxDepth: number, parallel: boolean): readonly number[] | undefined {
    const { plan, ctx } = this.parts;
    if (plan.mode === 'ar' || plan.drafts === undefined) return undefined;
    const copied = contextDraft(ctx.cache.tokens, root, Math.min(maxDepth, MAX_DRAFT));
    if (copied.length === 0) return undefined;
    const { length, value } = plan.drafts.acceptance.best(copied.length, plan.drafts.cost);
    const alternative = parallel ? (1 + plan.trees.expectedAccepted()) / plan.trees.stepRatio() : 1;
    // Against AR the draft's own cost counts, as observed (the heads step's would scale alike).
    const correction = plan.timedGate ? this.parts.observed.correction() : 1;
    return value > Math.max(correction, alternative) ? copied.slice(0, length) : undefined;
  }
}
