/**
 * The one module in workers/ that imports the engine, and only through its public entry (src/index.ts):
 * everything else in the service takes engine names from here.
 */
export { isEngineError, loadModel, renderChat, type EngineErrorCode, type Model, type Session } from '../src/index';
export type { BackendName } from '../src/index';
export type {
  DecodingMode,
  FinishReason,
  GatePolicy,
  GateState,
  GenerationEvent,
  HeadKind,
  ModelSource,
  Sampling,
  StepStats,
} from '../src/index';
// TODO(engine): re-export provideWasmModule from src/index.ts; the Worker entry needs it (src/runtime/wasm-module.ts).
export { provideWasmModule } from '../src/runtime';
