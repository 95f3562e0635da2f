import { DecodeLoop, outlookOf, type DecodePlan } from '../decoding/decode-loop';
import { lastCursor, type Cursor } from '../decoding/cursor';
import { forward } from '../decoding/model-calls';
import type { StepContext } from '../decoding/steps';
import { TreePolicy, type TreeSource } from '../decoding/tree-policy';
import { typicalRule } from '../decoding/verify';
import { EntropyGate } from '../gate/entropy-gate';
import { initialLearnedState, restoreLearnedState } from '../gate/learned-state';
import { DraftAcceptance } from '../tree/context-draft';
import { KvCache } from '../kv/kv-cache';
import type { HeadKind } from '../runtime/binding';
import { createSampler } from '../sampling/sampler';
import { TextStream } from '../tokenizer/text-stream';
import { AcceptanceEstimates } from '../tree/acceptance-estimates';
import { causalMask } from '../tree/causal-mask';
import type { TreePaths } from '../tree/compile-tree';
import { HeadCalibration } from '../tree/head-proposals';
import type { FinishReason, LearnedState, GenerateOptions, GenerationEvent, SessionOptions, StepTrace } from '../types';
import { EngineError } from '../errors';
import type { ModelParts } from './model-parts';
import { StatsRecorder } from '../decoding/stats-recorder';
import { validateGatePolicy, validateGenerateOptions, validatePrompt } from './validate-options';

/**
 * One conversation: its KV cache (and the tokens it holds), its gate and its acceptance estimates.
 * One generation at a time.
 */
export class Session {
  private readonly cache: KvCache;
  private readonly gate: EntropyGate;
  private readonly estimates = new Map<HeadKind, AcceptanceEstimates>();
  private readonly calibrations = new Map<HeadKind, HeadCalibration>();
  private readonly draftAcceptance = new DraftAcceptance();
  /** Estimates restored from a persisted state, taken up when their head kind is first used. */
  private readonly savedEstimates: NonNullable<LearnedState['estimates']>;
  private running = false;
  private disposed = false;

  constructor(
    private readonly model: ModelParts,
    options: SessionOptions,
  ) {
    const { manifest } = model;
    const arch = manifest.architecture;
    if (options.headKind !== undefined) model.requireHeads(options.headKind);
    const policy = validateGatePolicy(options.gatePolicy);
    const state =
      options.learnedState === undefined ? initialLearnedState(manifest.gate.calibration, policy) : restoreLearnedState(options.learnedState);
    this.gate = new EntropyGate(policy, state);
    this.savedEstimates = { ...state.estimates };
    this.cache = new KvCache(arch.n_layers, arch.n_kv_heads, arch.head_dim, arch.max_positions, model.binding.kvStorage);
  }

  /**
   * Gives the KV cache's buffers back to the binding's storage (the fused kernel's memory) at once instead
   * of when they are garbage-collected. The session cannot generate afterwards.
   */
  dispose(): void {
    if (this.running) throw new EngineError('busy', 'this session is generating; abort it before disposing it');
    this.cache.dispose();
    this.disposed = true;
  }

  /** Token ids the cache holds, in order. */
  get tokens(): readonly number[] {
    return this.cache.tokens;
  }

  get busy(): boolean {
    return this.running;
  }

  /** What the session has learnt — the gate's statistics and the acceptance estimates — for persistence (plain JSON-able data). */
  learnedState(): LearnedState {
    const estimates = { ...this.savedEstimates };
    for (const [kind, kindEstimates] of this.estimates) estimates[kind] = kindEstimates.state();
    return { ...this.gate.state(), ...(Object.keys(estimates).length > 0 ? { estimates } : {}) };
  }

  /**
   * Generates a continuation of `promptIds`, the whole conversation so far: the cached prefix it shares
   * is reused, the rest is prefilled. Typed errors (bad options, unknown token, context overflow, busy)
   * are thrown from the first `next()`. Stopping early — `opts.signal` or leaving the loop — keeps exactly
   * the emitted tokens in the cache.
   */
  async *generate(promptIds: readonly number[], opts: GenerateOptions): AsyncGenerator<GenerationEvent, void, undefined> {
    if (this.running) throw new EngineError('busy', 'this session is already generating; wait for it or abort it first');
    if (this.disposed) throw new EngineError('invalid-options', 'this session was disposed; create a new one');
    const options = validateGenerateOptions(opts, this.model.config);
    const arch = this.model.manifest.architecture;
    validatePrompt(promptIds, arch.vocab_size, arch.max_positions);
    if (options.mode !== 'ar') this.model.requireHeads(options.mode);

    this.running = true;
    const emitted: number[] = [];
    try {
      yield* this.run(promptIds, options, emitted);
    } finally {
      // Whatever ended the generation, the cache keeps the prompt and the emitted tokens only.
      this.cache.truncate(promptIds.length + emitted.length);
      this.running = false;
    }
  }

  private async *run(
    prompt: readonly number[],
    options: GenerateOptions,
    emitted: number[],
  ): AsyncGenerator<GenerationEvent, void, undefined> {
    const { signal } = options;
    const aborted = () => signal?.aborted === true;
    const reuse = Math.min(this.cache.commonPrefix(prompt), prompt.length - 1);
    this.cache.truncate(reuse);
    const stats = new StatsRecorder(reuse, prompt.length - reuse);
    const done = (finishReason: FinishReason): GenerationEvent => ({
      type: 'done',
      finishReason,
      stats: stats.finish(this.gate.currentThreshold, emitted.length),
    });

    if (aborted()) return yield done('abort');
    const ctx = this.stepContext();
    const cursor = await this.prefill(ctx, prompt.slice(reuse), stats, aborted, options.pace);
    if (cursor === undefined) return yield done('abort');
    const plan = this.plan(options);
    // The gate re-reads what a parallel step costs and accepts with this generation's tree and costs.
    if (plan.mode !== 'ar') this.gate.reestimate(outlookOf(plan, this.model.observedCost));
    const loop = new DecodeLoop({
      ctx,
      cursor,
      plan,
      sampler: createSampler(options.sampling),
      eosTokenId: this.eos,
      stats,
      observed: this.model.observedCost,
      ...(options.profile === undefined ? {} : { profile: options.profile }),
    });
    const text = new TextStream(this.model.tokenizer, options.stop ?? []);

    for (;;) {
      if (aborted()) return yield done('abort');
      const step = await loop.step(options.maxTokens - emitted.length);
      if (aborted()) return yield done('abort');

      // Stop sequences are text: the loop's tokens go through the stream until one completes.
      const ids: number[] = [];
      let out = '';
      let stopped = false;
      for (const id of step.tokens) {
        ids.push(id);
        const piece = text.push(id);
        out += piece.text;
        if (piece.stopped) {
          stopped = true;
          break;
        }
      }
      let finish: FinishReason | undefined = stopped ? 'stop' : undefined;
      if (finish === undefined && step.end !== undefined) {
        const tail = text.flush();
        out += tail.text;
        finish = step.end === 'eos' || tail.stopped ? 'stop' : 'length';
      }
      emitted.push(...ids);
      if (ids.length > 0 || out.length > 0) yield* this.emit(stats, ids, out, loop.lastStep);
      if (finish !== undefined) return yield done(finish);
    }
  }

  private *emit(stats: StatsRecorder, tokenIds: number[], text: string, step?: StepTrace): Generator<GenerationEvent, void, undefined> {
    stats.pause();
    yield step === undefined ? { type: 'tokens', tokenIds, text } : { type: 'tokens', tokenIds, text, step };
    stats.resume();
  }

  /**
   * Runs the uncached part of the prompt (at least its last token) and returns the cursor after it;
   * undefined when aborted between chunks (the chunks run stay cached: they are prompt tokens).
   */
  private async prefill(
    ctx: StepContext,
    tokens: readonly number[],
    stats: StatsRecorder,
    aborted: () => boolean,
    pace: (() => Promise<void>) | undefined,
  ): Promise<Cursor | undefined> {
    let cursor: Cursor | undefined;
    for (let start = 0; start < tokens.length; start += this.model.config.prefillChunk) {
      if (start > 0) await pace?.();
      if (aborted()) return undefined;
      const chunk = tokens.slice(start, start + this.model.config.prefillChunk);
      const p = this.cache.length;
      const positions = chunk.map((_, i) => p + i);
      // Only a chunk's last row predicts anything the generation reads: the binding may skip the LM head for the rest.
      const out = await forward(ctx.binding, this.cache, chunk, positions, causalMask(p, chunk.length, ctx.maskValue), 'last');
      this.cache.append(chunk, out.present, chunk.length);
      stats.addModelTime(out.modelMs);
      cursor = lastCursor(out, chunk.length, ctx.vocab, ctx.dModel);
    }
    return cursor;
  }

  private plan(options: GenerateOptions): DecodePlan {
    if (options.mode === 'ar') return { mode: 'ar' };
    const { manifest, binding, costModel, config } = this.model;
    const kind = options.mode;
    const heads = manifest.heads[kind]!;
    const budget = options.treeBudget ?? config.defaultTreeBudget;
    let estimates = this.estimates.get(kind);
    if (estimates === undefined) {
      const saved = this.savedEstimates[kind];
      estimates = (saved && AcceptanceEstimates.fromState(saved, heads.num_heads)) ?? AcceptanceEstimates.fromManifest(heads);
      this.estimates.set(kind, estimates);
    }
    const source = this.treeSource(options.tree ?? 'adaptive', kind, heads.num_heads, (heads.trees ?? manifest.trees)[binding.backendClass]);
    const trees = new TreePolicy(source, estimates, costModel, budget, heads.num_heads, heads.shortlist?.ids, this.model.treeShape);
    const { sampling } = options;
    const timedGate = sampling.kind === 'greedy';
    const rule =
      sampling.kind === 'greedy'
        ? { kind: 'greedy' as const }
        : typicalRule(sampling.temperature, sampling.typicalEpsilon ?? config.typicalEpsilon);
    const drafts = options.drafts === false ? undefined : { acceptance: this.draftAcceptance, cost: costModel };
    return { mode: kind, trees, gate: this.gate, gated: options.gate, timedGate, rule, ...(drafts === undefined ? {} : { drafts }) };
  }

  private treeSource(tree: NonNullable<GenerateOptions['tree']>, kind: HeadKind, numHeads: number, paths: TreePaths): TreeSource {
    if (tree === 'static') return { kind: 'static', paths };
    if (tree === 'adaptive') return { kind: 'adaptive' };
    let calibration = this.calibrations.get(kind);
    if (calibration === undefined) {
      calibration = new HeadCalibration(numHeads);
      this.calibrations.set(kind, calibration);
    }
    return { kind: 'dynamic', calibration };
  }

  private stepContext(): StepContext {
    const arch = this.model.manifest.architecture;
    return {
      binding: this.model.binding,
      cache: this.cache,
      vocab: arch.vocab_size,
      dModel: arch.d_model,
      maskValue: this.model.manifest.base.mask_value,
    };
  }

  private get eos(): number {
    return this.model.manifest.tokenizer.eos_token_id;
  }
}
