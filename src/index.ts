/**
 * The engine's public API: what workers/ and the Deno / Node entries import. Nothing else in src/ is
 * part of the contract.
 *
 *   const model = await loadModel(source, { backend: 'auto' });
 *   const session = model.createSession({ gatePolicy });
 *   const prompt = model.tokenizer.encode(renderChat(messages));
 *   for await (const event of session.generate(prompt, { maxTokens: 128, sampling: { kind: 'greedy' },
 *                                                         mode: 'cerberus', gate: true })) { ... }
 */
export { loadModel, type Model } from './engine/model';
export { Session } from './engine/session';
export { kvCacheBytes } from './kv/kv-cache';
export { EngineError, isEngineError, type EngineErrorCode } from './errors';
export { ENGINE_CONFIG, type EngineConfig } from './engine/config';
export { restoreLearnedState } from './gate/learned-state';
export { StepProfile, STEP_PHASES, type StepPhase, type StepKind } from './step-profile';
export { renderChat, type ChatMessage } from './tokenizer/chat-template';
export { TextTokenizer } from './tokenizer/text-tokenizer';
export { StreamDecoder } from './tokenizer/stream-decoder';
export type { Manifest } from './model/manifest';
export type {
  CostModel,
  DecodingMode,
  FinishReason,
  GatePolicy,
  LearnedState,
  LearnedStateV1,
  GenerateOptions,
  GenerationEvent,
  LoadModelOptions,
  ModelSource,
  Sampling,
  SessionOptions,
  GenerationStats,
  StepTrace,
} from './types';
export { HEAD_KINDS, type BackendName, type HeadKind } from './runtime/binding';
export { SUPPORTED_BACKENDS } from './runtime/select-backend';
// Worker entries hand the fused kernel, onnxruntime-web and the gate's row statistics their precompiled wasm
// (workerd cannot compile wasm at run time).
export { provideKernelModule, provideWasmModule } from './runtime';
export { provideRowStatsModule } from './sampling/row-stats';
export { DECODING_MODES, validatePrompt } from './engine/validate-options';
