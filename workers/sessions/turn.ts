/**
 * One conversation turn as the router hands it to a session, and what the session streams back. Plain
 * data only: it crosses Durable Object RPC (as NDJSON) unchanged.
 */
import type { DecodingMode, FinishReason, GenerateOptions, SessionOptions } from '../engine';
import type { ErrorInfo } from '../http/api-error';

export interface ChatTurnMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export type TurnPrompt =
  | { readonly kind: 'chat'; readonly messages: readonly ChatTurnMessage[] }
  | { readonly kind: 'text'; readonly text: string }
  /**
   * New messages after the session's logged conversation (the Responses API's previous_response_id): the
   * client sends only what is new; a session with nothing logged refuses it (404).
   */
  | { readonly kind: 'append'; readonly messages: readonly ChatTurnMessage[] };

/** The engine's generation options a turn sets, passed to Session.generate as they are. */
export type TurnGenerateOptions = Required<Pick<GenerateOptions, 'maxTokens' | 'sampling' | 'stop' | 'mode' | 'gate' | 'treeBudget'>>;

/** The tenant's policy for the session (engine SessionOptions); a change between turns takes effect on the next turn. */
export type TurnSessionOptions = Required<Pick<SessionOptions, 'headKind' | 'gatePolicy'>>;

export interface TurnRequest {
  readonly prompt: TurnPrompt;
  readonly generate: TurnGenerateOptions;
  readonly session: TurnSessionOptions;
  /** The stream should say where each token's text came from (TextTrace.spans); off, spans stay empty. */
  readonly provenance?: boolean;
}

/** The Cerberus statistics of one turn, in the API's snake_case (the `cerberus` extension field). */
export interface TurnStats {
  readonly mode: DecodingMode;
  readonly gate: boolean;
  readonly steps: number;
  readonly parallel_steps: number;
  readonly ar_steps: number;
  readonly zero_accept_steps: number;
  /** Tokens per step, the paper's mean accepted length (1 for plain AR). */
  readonly mean_accepted_length: number;
  /** Tokens accepted beyond the base model's own per parallel step. */
  readonly mean_extra_tokens_per_parallel_step: number;
  readonly accepted_histogram: readonly number[];
  readonly threshold: number;
  readonly model_ms: number;
  readonly wall_ms: number;
}

export interface TurnUsageCounts {
  readonly prompt_tokens: number;
  /** Prompt tokens served from the session's KV cache instead of being run again. */
  readonly cached_tokens: number;
  readonly completion_tokens: number;
}

/** A piece of reply text and where its token came from: 0 = the base model, k = accepted from head k. */
export interface TokenSpan {
  readonly text: string;
  readonly from: number;
}

/** One decoding step, as the playground shows it (see StepTrace in the engine). */
export interface StepRecord {
  readonly kind: 'ar' | 'parallel';
  /** Tokens the step committed to the reply. */
  readonly tokens: number;
  readonly entropy: number | null;
  readonly threshold: number | null;
  readonly tree_size: number;
}

/**
 * Provenance of one text event: its text by source (the spans add up to the text; empty unless the turn
 * asked for provenance), and the steps that
 * finished since the previous text event. The first trace of a turn also carries the prompt's length,
 * so a turn that never finishes can still be accounted for.
 */
export interface TextTrace {
  readonly spans: readonly TokenSpan[];
  readonly steps: readonly StepRecord[];
  readonly prompt_tokens?: number;
}

export type TurnEvent =
  | { readonly type: 'text'; readonly text: string; readonly trace?: TextTrace }
  | {
      readonly type: 'done';
      readonly finishReason: Exclude<FinishReason, 'abort'>;
      readonly usage: TurnUsageCounts;
      readonly stats: TurnStats;
    }
  | { readonly type: 'error'; readonly error: ErrorInfo };

export type TurnStart =
  | { readonly ok: true; readonly events: ReadableStream<TurnEvent> }
  | { readonly ok: false; readonly error: ErrorInfo };

export interface SessionKey {
  readonly tenantId: string;
  readonly sessionId: string;
}

/** Where conversations live: SessionDO on Workers, process memory on Node and Deno. */
export interface SessionStore {
  /**
   * Starts a turn. Refusals known before the first token (busy session, prompt too long) come back as
   * `ok: false`; cancelling `events` stops the generation and keeps only what was emitted.
   */
  startTurn(key: SessionKey, turn: TurnRequest): Promise<TurnStart>;
}
