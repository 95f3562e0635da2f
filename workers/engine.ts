/**
 * The one module in workers/ that touches the engine. Everything else in the service imports engine
 * names from here, so the engine's public surface (src/index.ts) is the only coupling.
 */
// TODO(engine): switch to '../src/index' once the engine's public entry lands.
export type {
  DecodingMode,
  FinishReason,
  GatePolicy,
  GateState,
  ModelSource,
  Sampling,
  StepStats,
} from '../src/engine/api';
export type { HeadKind } from '../src/runtime/binding';
export { isEngineError, type EngineErrorCode } from '../src/engine/errors';
export type { GenerateOptions, GenerationEvent, SessionOptions } from '../src/engine/api';
