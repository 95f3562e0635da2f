/**
 * Public surface of the engine: what `workers/` (and the Deno / Node entries) call. Types only; the
 * implementation lives in the modules beside this file. `workers/` imports from `src/index.ts`, never from
 * deeper paths.
 */
import type { BackendName, HeadKind } from '../runtime/binding.js';

/** Where model files come from: the filesystem (Node, Deno), Workers assets, R2, a test fixture. */
export interface ModelSource {
  /** Bytes of a file named in the manifest (or `manifest.json` itself). */
  read(name: string): Promise<Uint8Array>;
}

export type DecodingMode = 'ar' | 'medusa' | 'cerberus';

export interface GatePolicy {
  readonly mode: 'fixed' | 'adaptive';
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
  readonly signal?: AbortSignal;
}

export interface StepStats {
  readonly steps: number;
  readonly tokens: number;
  readonly arSteps: number;
  readonly parallelSteps: number;
  /** Parallel steps that accepted no token beyond the base model's own. */
  readonly zeroAcceptSteps: number;
  /** histogram[n] = parallel steps that accepted n extra tokens. */
  readonly acceptedHistogram: readonly number[];
  readonly meanAccepted: number;
  readonly modelMs: number;
  readonly jsMs: number;
  readonly wallMs: number;
  readonly threshold: number;
}

export type FinishReason = 'stop' | 'length' | 'abort';

export type GenerationEvent =
  | { readonly type: 'tokens'; readonly tokenIds: readonly number[]; readonly text: string }
  | { readonly type: 'done'; readonly finishReason: FinishReason; readonly stats: StepStats };

export interface EngineOptions {
  readonly backend?: BackendName;
}

/** Serialisable per-session gate state (a Durable Object persists it). */
export interface GateState {
  readonly version: 1;
  readonly threshold: number;
  readonly binEdges: readonly number[];
  readonly sumAccepted: readonly number[];
  readonly count: readonly number[];
}

export interface SessionOptions {
  readonly headKind: HeadKind;
  readonly gatePolicy: GatePolicy;
  readonly gateState?: GateState;
}
