/**
 * One conversation: the engine session (which owns the KV cache) plus its log. Shared by SessionDO and
 * the in-memory store, so both runtimes get the same rules: one turn at a time, the prompt built on the
 * logged tokens, and a cancelled turn keeping exactly the tokens it emitted.
 */
import { isEngineError, kvCacheBytes, type GenerationEvent, type Model, type Session } from '../engine';
import { turnRecord, type ConversationLog } from './conversation-log';
import { toErrorInfo } from './engine-errors';
import type { KvBudget } from './kv-budget';
import { encodePrompt } from './prompt';
import { pullStream } from './pull-stream';
import { TokenTracer } from './token-trace';
import { TextBatcher } from './text-batcher';
import { toTurnStats, type TurnStats } from './turn-stats';
import { yieldToIo } from './yield-to-io';
import type { TurnEvent, TurnRequest, TurnStart } from './turn';

type GenerationDone = Extract<GenerationEvent, { type: 'done' }>;

/** A started turn can also be cancelled from this side (see PullStream.cancel). */
export type ConversationTurn =
  | (Extract<TurnStart, { ok: true }> & { readonly cancel: () => Promise<void> })
  | Extract<TurnStart, { ok: false }>;

export interface ConversationOptions {
  readonly logError?: (error: unknown) => void;
  /** A turn nobody reads for this long is cancelled (see PullStreamHooks.idleTimeoutMs). */
  readonly idleTimeoutMs?: number;
  /** The process's / isolate's KV memory budget; past it, idle caches are dropped (rebuilt from the log). */
  readonly kvBudget?: KvBudget;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 15_000;
/**
 * A stream chunk holds at most this much decoding (TextBatcher). Under workerd (npm start, the shipped
 * model's int8 base, 128-token AR turns, interleaved A/B against a chunk per step) it took 15-20 % off a
 * streamed turn and 3-9 % off a non-streamed one; Cerberus turns, whose steps are longer, moved within the
 * noise (± 5 %). 4 ms is far below what a reader sees.
 */
const CHUNK_BUDGET_MS = 4;
const MAX_STEPS_PER_CHUNK = 8;

interface LiveSession {
  readonly session: Session;
  /** The tenant policy the session was created with; a different one needs a new session. */
  readonly policy: string;
}

export class Conversation {
  #live: LiveSession | null = null;
  #busy = false;

  readonly #logError: (error: unknown) => void;
  readonly #idleTimeoutMs: number;
  readonly #budget: KvBudget | undefined;

  constructor(
    private readonly model: () => Promise<Model>,
    private readonly log: ConversationLog,
    options: ConversationOptions = {},
  ) {
    this.#logError = options.logError ?? ((error) => console.error(error));
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#budget = options.kvBudget;
  }

  /** Whether an engine session (and its KV cache) is held in memory. */
  get hasCache(): boolean {
    return this.#live !== null;
  }

  /** Drops the KV cache (when idle); the next turn rebuilds it from the log. */
  dropCache(): void {
    if (this.#busy) return;
    this.#forgetSession();
  }

  /** Lets the live session go, its cache memory with it (a binding's own storage is given back now, not at GC). */
  #forgetSession(): void {
    this.#live?.session.dispose();
    this.#live = null;
    this.#budget?.forget(this);
  }

  /** Reports the cache to the budget as holding `length` entries (an upper bound while a turn runs). */
  #account(model: Model, length: number): void {
    if (this.#budget === undefined || this.#live === null) return;
    const arch = model.manifest.architecture;
    const dims = { layers: arch.n_layers, kvHeads: arch.n_kv_heads, headDim: arch.head_dim, capacity: arch.max_positions };
    this.#budget.use(this, { bytes: kvCacheBytes(dims, length), busy: () => this.#busy, drop: () => this.dropCache() });
  }

  get busy(): boolean {
    return this.#busy;
  }

  async startTurn(turn: TurnRequest): Promise<ConversationTurn> {
    if (this.#busy) {
      const message = 'This session is already generating a reply; wait for it to finish (or cancel it) and retry.';
      return { ok: false, error: { status: 409, code: 'session_busy', message, retryAfterSeconds: 1 } };
    }
    this.#busy = true;
    const release = () => {
      this.#busy = false;
    };
    try {
      const model = await this.model();
      const saved = this.log.load();
      const promptIds = encodePrompt(model, turn.prompt, saved.tokens);
      const session = this.#sessionFor(model, turn, saved.learnedState);
      this.#account(model, promptIds.length + turn.generate.maxTokens);
      const abort = new AbortController();
      // pace: workerd's wasm forwards finish synchronously; yield between a long prompt's prefill chunks.
      const generation = session.generate(promptIds, { ...turn.generate, signal: abort.signal, pace: yieldToIo });
      const events = this.#events(model, session, generation, promptIds, turn, new TokenTracer(turn.provenance === true ? model.tokenizer : null, promptIds.length));
      // The prefill and first step run before answering, so a turn failing before any output gets a
      // real HTTP status instead of an error event inside a 200 stream.
      const first = await events.next();
      if (!first.done && first.value.type === 'error') {
        await events.return(undefined);
        release();
        return { ok: false, error: first.value.error };
      }
      const hooks = { onCancel: () => abort.abort(), onFinish: release, idleTimeoutMs: this.#idleTimeoutMs };
      const { stream, cancel } = pullStream(events, hooks, first);
      return { ok: true, events: stream, cancel };
    } catch (error) {
      release();
      return { ok: false, error: toErrorInfo(error, this.#logError) };
    }
  }

  /** The live engine session for this turn's policy, or a new one starting from the logged gate state. */
  #sessionFor(model: Model, turn: TurnRequest, savedGate: unknown): Session {
    const policy = JSON.stringify(turn.session);
    if (this.#live?.policy === policy) return this.#live.session;
    const learnedState = this.#live?.session.learnedState() ?? savedGate;
    this.#live?.session.dispose();
    let session: Session;
    try {
      session = model.createSession({ ...turn.session, ...(learnedState === null ? {} : { learnedState }) });
    } catch (error) {
      // The gate state only steers speed, never the text: one that does not restore (corrupt storage, a
      // format this version does not know) is logged and replaced by the model's prior, not a failed turn.
      if (!isEngineError(error) || error.code !== 'invalid-gate-state') throw error;
      this.#logError(error);
      session = model.createSession(turn.session);
    }
    this.#live = { session, policy };
    return session;
  }

  async *#events(
    model: Model,
    session: Session,
    generation: AsyncGenerator<GenerationEvent, void, undefined>,
    promptIds: readonly number[],
    turn: TurnRequest,
    tracer: TokenTracer,
  ): AsyncGenerator<TurnEvent> {
    let done: GenerationDone | null = null;
    const emitted: number[] = [];
    let failed = false;
    // Built once, when the engine's done event (or the turn's end without one) is first seen.
    let stats: TurnStats | undefined;
    const statsOf = (threshold: number): TurnStats =>
      (stats ??= toTurnStats(done?.stats, turn.generate, {
        promptTokens: promptIds.length,
        completionTokens: emitted.length,
        threshold,
      }));
    const batcher = new TextBatcher(CHUNK_BUDGET_MS, MAX_STEPS_PER_CHUNK);
    // Tokens count as emitted (logged, kept in the cache) once their text is handed to the stream.
    const chunk = (last: boolean): TurnEvent | null => {
      const taken = batcher.take();
      if (taken !== null) emitted.push(...taken.tokenIds);
      if (last) emitted.push(...batcher.rest());
      return taken === null ? null : { type: 'text', text: taken.text, trace: taken.trace };
    };
    try {
      for (let next = await generation.next(); !next.done; next = await generation.next()) {
        await yieldToIo();
        const event = next.value;
        if (event.type === 'done') done = event;
        else {
          const trace = tracer.trace(event);
          batcher.add(event.tokenIds, trace === null ? null : { text: event.text, trace });
          if (batcher.due) yield chunk(false)!;
        }
      }
      // A cancelled turn's held text never reaches its reader, so it is not the session's either.
      const last = done?.finishReason === 'abort' ? null : chunk(true);
      if (last !== null) yield last;
      if (done !== null && done.finishReason !== 'abort') {
        yield { type: 'done', finishReason: done.finishReason, stats: statsOf(done.stats.threshold) };
      }
    } catch (error) {
      failed = true;
      // What was decoded before the failure is still the reply's: it goes out ahead of the error.
      const last = chunk(true);
      if (last !== null) yield last;
      yield { type: 'error', error: toErrorInfo(error, this.#logError) };
    } finally {
      // Closing the engine's generator (a no-op when it finished) makes it truncate its cache to the
      // prompt and the emitted tokens. The log records those, not the cache's tokens: the last emitted
      // token has no K/V until the next forward pass, which the next turn's prompt supplies.
      await generation.return(undefined);
      if (failed) {
        // The cache may be half-written: drop it; the log still holds the last consistent turn.
        this.#forgetSession();
      } else {
        const gate = session.learnedState();
        this.log.saveTurn([...promptIds, ...emitted], gate, turnRecord(statsOf(gate.threshold), done?.finishReason ?? 'abort'));
        this.#account(model, promptIds.length + emitted.length);
      }
    }
  }
}
