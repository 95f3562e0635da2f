/** The engine's tunables, in one place. Defaults are the values the tests and the benchmark use. */
export interface EngineConfig {
  /**
   * Prompt tokens per prefill forward: bounds the [T, V] logits buffer of a long prompt and, with
   * `GenerateOptions.pace`, how long a prefill holds a single-threaded host. 64 is also the cheapest per
   * token measured (tinystories-6m, P = 128, `models/tools/step_ab.mjs --tokens 16,32,64,128,256`): wasm
   * 0.62 / 0.53 / 0.50 / 0.50 / 0.53 ms a token, onnxruntime-node 0.15 / 0.12 / 0.11 / 0.11 / 0.12; a
   * 256-token chunk held wasm for 136 ms, a 64-token one for 32 ms.
   */
  readonly prefillChunk: number;
  /** Tree nodes when a generation names no budget. */
  readonly defaultTreeBudget: number;
  /** Largest budget accepted (the cost model is measured up to T = 64). */
  readonly maxTreeBudget: number;
  /** Typical acceptance's epsilon when a request names none (Medusa's posterior_threshold). */
  readonly typicalEpsilon: number;
}

export const ENGINE_CONFIG: EngineConfig = Object.freeze({
  prefillChunk: 64,
  defaultTreeBudget: 32,
  maxTreeBudget: 63,
  typicalEpsilon: 0.09,
});
