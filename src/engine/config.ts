/** The engine's tunables, in one place. Defaults are the values the tests and the benchmark use. */
export interface EngineConfig {
  /** Prompt tokens per prefill forward: bounds the [T, V] logits buffer of a long prompt. */
  readonly prefillChunk: number;
  /** Tree nodes when a generation names no budget. */
  readonly defaultTreeBudget: number;
  /** Largest budget accepted (the cost model is measured up to T = 64). */
  readonly maxTreeBudget: number;
  /** Typical acceptance's epsilon when a request names none (Medusa's posterior_threshold). */
  readonly typicalEpsilon: number;
}

export const ENGINE_CONFIG: EngineConfig = Object.freeze({
  prefillChunk: 256,
  defaultTreeBudget: 32,
  maxTreeBudget: 63,
  typicalEpsilon: 0.09,
});
