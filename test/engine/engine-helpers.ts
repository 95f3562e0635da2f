/** Helpers shared by the engine tests that run the fixture model (Node and workerd alike). */
import { loadModel, type Model } from '../../src/engine/model';
import type { Session } from '../../src/engine/session';
import type { FinishReason, GatePolicy, GenerateOptions, GenerationEvent, GenerationStats, LoadModelOptions, ModelSource } from '../../src/types';
import { FIXTURE_VARIANT, fixtureSource, TEST_BACKENDS } from './support/fixture';

export interface Generation {
  readonly tokens: number[];
  readonly text: string;
  readonly events: GenerationEvent[];
  readonly finishReason: FinishReason;
  readonly stats: GenerationStats;
}

export async function collect(events: AsyncIterable<GenerationEvent>): Promise<Generation> {
  const tokens: number[] = [];
  const all: GenerationEvent[] = [];
  let text = '';
  for await (const event of events) {
    all.push(event);
    if (event.type === 'tokens') {
      tokens.push(...event.tokenIds);
      text += event.text;
    } else {
      return { tokens, text, events: all, finishReason: event.finishReason, stats: event.stats };
    }
  }
  throw new Error('generation ended without a done event');
}

export const OPEN_GATE: GatePolicy = { adaptive: true, threshold: 2.5, min: 0, max: 9, explorationRate: 0.1 };

export const GREEDY_AR: GenerateOptions = { maxTokens: 24, sampling: { kind: 'greedy' }, mode: 'ar', gate: false };

export function newSession(model: Model, gatePolicy: GatePolicy = OPEN_GATE): Session {
  return model.createSession({ gatePolicy });
}

/** The backend the model tests run on: native in Node, wasm in workerd (the support glue decides). */
export const BACKEND = TEST_BACKENDS[0]!;

export function loadFixtureModel(backend = BACKEND, source: ModelSource = fixtureSource(), options: LoadModelOptions = {}): Promise<Model> {
  return loadModel(source, { backend, log: () => {}, ...(FIXTURE_VARIANT === undefined ? {} : { baseVariant: FIXTURE_VARIANT }), ...options });
}

/** Catches what a call or the first step of a generation throws. */
export async function thrown(run: () => Promise<unknown> | AsyncIterable<unknown>): Promise<unknown> {
  try {
    const result = run();
    if (Symbol.asyncIterator in (result as object)) {
      for await (const _ of result as AsyncIterable<unknown>) break;
    } else {
      await result;
    }
  } catch (error) {
    return error;
  }
  return undefined;
}
