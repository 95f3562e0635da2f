/**
 * The one module in workers/ that imports the engine, and only through its public entry (src/index.ts):
 * everything else in the service takes engine names from here.
 */
export { DECODING_MODES, EngineError, HEAD_KINDS, isEngineError, kvCacheBytes, loadModel, renderChat, restoreLearnedState, StreamDecoder, validatePrompt, type EngineErrorCode, type Model, type Session } from '../src/index';
export { SUPPORTED_BACKENDS } from '../src/index';
export type { BackendName } from '../src/index';
export type {
  DecodingMode,
  FinishReason,
  GatePolicy,
  LearnedState,
  GenerateOptions,
  GenerationEvent,
  HeadKind,
  LoadModelOptions,
  ModelSource,
  Sampling,
  SessionOptions,
  GenerationStats,
  StepTrace,
  TextTokenizer,
} from '../src/index';
// Worker entries hand the kernel, onnxruntime-web and the row statistics their precompiled wasm (src/runtime/README.md).
export { provideKernelModule, provideRowStatsModule, provideWasmModule } from '../src/index';
