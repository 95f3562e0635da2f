/**
 * The engine's vocabulary: the public types `workers/` (and the Deno / Node entries) call with, and that every
 * layer of `src/` speaks. Types only, at the root like `errors.ts`, so that `gate/`, `tree/`, `decoding/` and the
 * rest import down to it and never up into `engine/`. `workers/` imports from `src/index.ts`, never from
 * deeper paths.
 */
import type { StepProfile } from './step-profile.js';
import type { BackendName, HeadKind } from './runtime/binding.js';

/** Where model files come from: the filesystem (Node, Deno), Workers assets, R2, a test fixture. */
export interface ModelSource {
  /** Bytes of a file named in the manifest (or `manifest.json` itself). */
  read(name: string): Promise<Uint8Array>;
}

export type DecodingMode = 'ar' | HeadKind;

export interface GatePolicy {
  /** true: the threshold moves with what the session observes (within min..max); false: it stays at `threshold`. */
  readonly adaptive: boolean;
  /** Entropy threshold in nats: parallel step when H <= threshold. Start value when adaptive. */
  readonly threshold: number;
  readonly min: number;
  readonly max: number;
  /** Probability of a parallel step above the threshold (adaptive only), to keep learning. */
  readonly explorationRate: number;
}

export type Sampling =
  | { readonly kind: 'greedy' }
  | {
      readonly kind: 'sample';
      readonly temperature: number;
      readonly topK?: number;
      readonly topP?: number;
      readonly seed?: number;
      /** Typical acceptance's posterior threshold epsilon (alpha = sqrt(epsilon)); default 0.09 as in Medusa. */
      readonly typicalEpsilon?: number;
    };

export interface GenerateOptions {
  readonly maxTokens: number;
  readonly sampling: Sampling;
  readonly stop?: readonly string[];
  readonly mode: DecodingMode;
  /** false: every step parallel (plain Medusa / Cerberus); true: entropy gate per step. Ignored for 'ar'. */
  readonly gate: boolean;
  /** Upper bound on tree nodes (the tenant's tree budget); the tree is chosen per backend under it. */
  readonly treeBudget?: number;
  /**
   * 'adaptive' (default): the tree is grown from the cost model and the session's running acceptance
   * estimates; 'static': the manifest's tree for the backend class (its first treeBudget nodes);
   * 'dynamic': grown every step from that step's head probabilities (calibrated per head) and the cost model.
   */
  readonly tree?: 'adaptive' | 'static' | 'dynamic';
  /**
   * Drafts copied from the context (prompt lookup): a step whose last tokens occurred earlier may verify
   * what followed them then, without a heads call, where the cost model says that pays more than the step
   * the gate chose. Default true; ignored for 'ar'.
   */
  readonly drafts?: boolean;
  readonly signal?: AbortSignal;
  /**
   * Awaited between the forwards of a prompt's prefill (chunks of `EngineConfig.prefillChunk` tokens). A
   * host whose model calls finish synchronously (onnxruntime-web's wasm in workerd) passes a yield to its
   * event loop, so a long prompt does not hold up other requests for its whole prefill.
   */
  readonly pace?: () => Promise<void>;
  /** Receives each step's time per phase (the benchmark's profile); costs a clock read per phase. */
  readonly profile?: StepProfile;
}

/** One generation's statistics (prefill and every decoding step), as Session.generate's done event gives them. */
export interface GenerationStats {
  /** Decoding steps (the prefill is not a step); each emits the base model's token plus any accepted. */
  readonly steps: number;
  /** Tokens emitted to the caller (EOS and text past a stop sequence excluded). */
  readonly tokens: number;
  readonly arSteps: number;
  /** Steps that verified candidates: from the heads, or drafts copied from the context (`draftSteps` of them). */
  readonly parallelSteps: number;
  readonly draftSteps: number;
  /** Parallel steps that accepted no token beyond the base model's own. */
  readonly zeroAcceptSteps: number;
  /** histogram[n] = parallel steps that accepted n extra tokens. */
  readonly acceptedHistogram: readonly number[];
  /** Tokens accepted beyond the base model's own, summed over the parallel steps. */
  readonly acceptedExtraTokens: number;
  /** Mean extra tokens per parallel step (0 when none ran). */
  readonly meanAccepted: number;
  /** Time inside the runtime (forward + heads), and the rest of the generation's active time. */
  readonly modelMs: number;
  readonly jsMs: number;
  /** Active time of the generation: excludes the time the consumer held on to an event. */
  readonly wallMs: number;
  /** The gate threshold at the end of the generation. */
  readonly threshold: number;
  /** Prompt tokens served from the session's cache, and those run through the model. */
  readonly cachedTokens: number;
  readonly prefillTokens: number;
  /** Nodes of the last tree used (0 when no parallel step ran). */
  readonly treeSize: number;
}

/**
 * How one decoding step went, for clients that show the speculation (token provenance). Every step's
 * first token is the base model's own; in a parallel step, the token after it at depth d of the
 * accepted path was proposed by head d (1-based), so tokenIds[i] came from head i.
 */
export interface StepTrace {
  /** 'draft': the tokens after the root were copied from the context (context-draft.ts), not proposed by heads. */
  readonly kind: 'ar' | 'parallel' | 'draft';
  /** Entropy (nats) of the base model's next-token distribution the gate read; null in AR mode. */
  readonly entropy: number | null;
  /** The gate threshold the decision was taken against; null when no gate decided (AR mode, gate off). */
  readonly threshold: number | null;
  /** Nodes verified in the step's forward pass (1 for an AR step). */
  readonly treeSize: number;
}

export type FinishReason = 'stop' | 'length' | 'abort';

/**
 * `tokens`: ids accepted since the last event, and the text that became final with them. Text can lag
 * behind ids (an incomplete UTF-8 character, or text that may be the start of a stop sequence, is held
 * back), and with a stop sequence the last ids may carry text that is never emitted. EOS is never emitted.
 */
export type GenerationEvent =
  | {
      readonly type: 'tokens';
      readonly tokenIds: readonly number[];
      readonly text: string;
      /** The decoding step that committed `tokenIds` (absent on the end-of-generation text flush). */
      readonly step?: StepTrace;
    }
  | { readonly type: 'done'; readonly finishReason: FinishReason; readonly stats: GenerationStats };

/**
 * The step cost model trees and the gate are sized by: cost(T)/cost(1) of one forward over T query tokens,
 * and one heads call relative to cost(1).
 */
export interface CostModel {
  /** Ascending T; T = 1 has ratio 1. */
  readonly points: readonly { readonly tokens: number; readonly ratio: number }[];
  /** A heads call computing every head, relative to an AR step. */
  readonly headsRatio: number;
  /**
   * Per depth d (index d - 1): a heads call computing only the first d heads, where the heads graphs can
   * (docs/model-contract.md, `num_heads`); absent: every call costs `headsRatio`.
   */
  readonly headsRatioByDepth?: readonly number[];
  /** 'measured' at load, 'given' by the caller, or the documented 'fallback' where timing is impossible. */
  readonly source: 'measured' | 'given' | 'fallback';
}

export interface LoadModelOptions {
  /** Default 'auto': the best backend the host offers (native in Node / Deno, wasm in workerd). */
  readonly backend?: BackendName | 'auto';
  /** Intra-op threads for onnxruntime-node; default 1 (measured best for this model size, backend-native.ts). */
  readonly threads?: number;
  /** onnxruntime-node's intra-op workers spin between operators; default false (right for shared cores). */
  readonly spinning?: boolean;
  /**
   * A variant of the base graph from `manifest.base.variants`, with its heads graphs where it lists them,
   * e.g. 'int8' (int8 weights: AR about 1.4× as fast on native-cpu, slower on wasm; greedy output is that
   * model's own AR). Default: the fp32 `base.file` and heads.
   */
  readonly baseVariant?: string;
  /**
   * The heads graphs of this variant instead (its `heads` in `manifest.base.variants`; 'fp32': the
   * manifest's own `heads`), whatever the base. The heads only propose: verification by the base keeps the
   * output that base's AR. Default: the base variant's heads, except that an fp32 base on native-cpu
   * proposes with the int8 heads where the manifest has them (src/engine/native-heads.ts).
   */
  readonly headsVariant?: string;
  /** Head kinds to load; default every kind in the manifest. */
  readonly headKinds?: readonly HeadKind[];
  /**
   * 'measure' (default): time the backend at load (≈ a second on the small models); or a cost model to use
   * as is. Where the clock cannot time (workerd freezes it), the fallback for the backend class is used.
   */
  readonly costModel?: 'measure' | Omit<CostModel, 'source'>;
  /** Receives non-fatal notices (backend fallbacks). Default console.warn. */
  readonly log?: (message: string) => void;
}


export type { AcceptanceState, LearnedState, LearnedStateV1 } from './learned-state-schema';

export interface SessionOptions {
  /**
   * The heads this session's parallel steps use when a generation asks for them; checked at creation
   * (typed error when the model lacks them). Each generation's `mode` still picks medusa or cerberus.
   */
  readonly headKind?: HeadKind;
  readonly gatePolicy: GatePolicy;
  /**
   * A state persisted from `Session.learnedState()` (a LearnedState, or a LearnedStateV1 stored by an older
   * version): untrusted, so validated here (typed error when malformed); storage may keep it as opaque JSON.
   */
  readonly learnedState?: unknown;
}
