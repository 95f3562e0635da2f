/** The part of a loaded engine model a conversation uses (see workers/engine.ts for the real one). */
import type { GateState, GenerateOptions, GenerationEvent, SessionOptions } from '../engine';
import type { TurnPrompt } from './turn';

export interface EngineSession {
  /** Runs the whole context; the session reuses the prefix its KV cache already holds. */
  generate(promptIds: readonly number[], options: GenerateOptions): AsyncIterable<GenerationEvent>;
  /** Fills the KV cache with `ids` (a rebuild from the log) without generating. */
  prefill(ids: readonly number[]): Promise<void>;
  gateState(): GateState;
}

export interface ConversationModel {
  /** Positions the model can attend over: prompt and completion together. */
  readonly contextLength: number;
  encodePrompt(prompt: TurnPrompt): number[];
  createSession(options: SessionOptions): EngineSession;
}
