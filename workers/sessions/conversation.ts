/**
 * One conversation: the engine session (which owns the KV cache) plus its log. Shared by SessionDO and
 * the in-memory store, so both runtimes get the same rules: one turn at a time, the cache rebuilt from
 * the log when it was lost, and a cancelled turn keeps exactly the tokens it emitted.
 */
import type { GenerationEvent } from '../engine';
import { ApiError } from '../http/api-error';
import type { ConversationLog, TurnRecord } from './conversation-log';
import type { ConversationModel, EngineSession } from './conversation-model';
import { toErrorInfo } from './engine-errors';
import { pullStream } from './pull-stream';
import { toTurnStats } from './turn-stats';
import type { TurnEvent, TurnRequest, TurnStart } from './turn';

type DoneEvent = Extract<GenerationEvent, { type: 'done' }>;

interface LiveSession {
  readonly session: EngineSession;
  /** The tenant policy the session was created with; a different one needs a new session. */
  readonly policy: string;
}

export class Conversation {
  #live: LiveSession | null = null;
  #busy = false;

  constructor(
    private readonly model: () => Promise<ConversationModel>,
    private readonly log: ConversationLog,
    private readonly logError: (error: unknown) => void = (error) => console.error(error),
  ) {}

  get busy(): boolean {
    return this.#busy;
  }

  async startTurn(turn: TurnRequest): Promise<TurnStart> {
    if (this.#busy) {
      const message = 'This session is already generating a reply; wait for it to finish (or cancel it) and retry.';
      return { ok: false, error: { status: 409, code: 'session_busy', message } };
    }
    this.#busy = true;
    try {
      const model = await this.model();
      const promptIds = model.encodePrompt(turn.prompt);
      checkPromptFits(promptIds.length, model.contextLength, turn.prompt.kind);
      const session = await this.#sessionFor(model, turn);
      const abort = new AbortController();
      const events = pullStream(this.#run(session, promptIds, turn, abort.signal), {
        onCancel: () => abort.abort(),
        onFinish: () => (this.#busy = false),
      });
      return { ok: true, events };
    } catch (error) {
      this.#busy = false;
      return { ok: false, error: toErrorInfo(error, this.logError) };
    }
  }

  /** The live engine session for this turn's policy: reused, or created and warmed from the log. */
  async #sessionFor(model: ConversationModel, turn: TurnRequest): Promise<EngineSession> {
    const policy = JSON.stringify([turn.headKind, turn.gatePolicy]);
    if (this.#live?.policy === policy) return this.#live.session;
    const saved = this.log.load();
    const gateState = this.#live?.session.gateState() ?? saved.gateState;
    const session = model.createSession({
      headKind: turn.headKind,
      gatePolicy: turn.gatePolicy,
      ...(gateState === null ? {} : { gateState }),
    });
    this.#live = null;
    if (saved.tokens.length > 0) await session.prefill(saved.tokens);
    this.#live = { session, policy };
    return session;
  }

  async *#run(session: EngineSession, promptIds: readonly number[], turn: TurnRequest, signal: AbortSignal): AsyncGenerator<TurnEvent> {
    const emitted: number[] = [];
    let done: DoneEvent | null = null;
    let failed = false;
    try {
      const generation = session.generate(promptIds, {
        maxTokens: turn.maxTokens,
        sampling: turn.sampling,
        stop: turn.stop,
        mode: turn.mode,
        gate: turn.gate,
        treeBudget: turn.treeBudget,
        signal,
      });
      for await (const event of generation) {
        if (event.type === 'done') done = event;
        else {
          emitted.push(...event.tokenIds);
          if (event.text.length > 0) yield { type: 'text', text: event.text };
        }
      }
      if (done !== null && done.finishReason !== 'abort') {
        yield {
          type: 'done',
          finishReason: done.finishReason,
          usage: { prompt_tokens: promptIds.length, cached_tokens: done.stats.cachedTokens, completion_tokens: emitted.length },
          stats: toTurnStats(done.stats, turn),
        };
      }
    } catch (error) {
      failed = true;
      yield { type: 'error', error: toErrorInfo(error, this.logError) };
    } finally {
      // After a failure the cache may be half-written: drop it, the next turn rebuilds it from the log.
      if (failed) this.#live = null;
      const gate = session.gateState();
      this.log.saveTurn([...promptIds, ...emitted], gate, turnRecord(promptIds.length, emitted.length, done, gate.threshold));
    }
  }
}

function turnRecord(promptTokens: number, completionTokens: number, done: DoneEvent | null, threshold: number): TurnRecord {
  const stats = done?.stats;
  return {
    finish_reason: done?.finishReason ?? 'abort',
    prompt_tokens: promptTokens,
    cached_tokens: stats?.cachedTokens ?? 0,
    completion_tokens: completionTokens,
    steps: stats?.steps ?? 0,
    parallel_steps: stats?.parallelSteps ?? 0,
    ar_steps: stats?.arSteps ?? 0,
    zero_accept_steps: stats?.zeroAcceptSteps ?? 0,
    threshold: stats?.threshold ?? threshold,
  };
}

function checkPromptFits(promptTokens: number, contextLength: number, kind: TurnRequest['prompt']['kind']): void {
  const param = kind === 'chat' ? 'messages' : 'prompt';
  if (promptTokens === 0) throw new ApiError({ status: 400, code: 'empty_prompt', message: 'The prompt is empty; send some text.', param });
  if (promptTokens >= contextLength) {
    throw new ApiError({
      status: 400,
      code: 'context_length_exceeded',
      message: `The prompt is ${promptTokens} tokens; this model's context is ${contextLength}. Shorten the conversation.`,
      param,
    });
  }
}
