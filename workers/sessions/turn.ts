/**
 * One conversation turn as the router hands it to a session, and what the session streams back. Plain
 * data only: it crosses Durable Object RPC (as NDJSON) unchanged.
 */
import type { DecodingMode, FinishReason, GenerateOptions, SessionOptions } from '../engine';
import type { ErrorInfo } from '../api-error';
import type { TurnStats } from './turn-stats';

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
export type TurnGenerateOptions = Required<Pick<GenerateOptions, 'maxTokens' | 'sampling' | 'stop' | 'mode' | 'gate' | 'drafts' | 'treeBudget'>>;

/** The tenant's policy for the session (engine SessionOptions); a change between turns takes effect on the next turn. */
export type TurnSessionOptions = Required<Pick<SessionOptions, 'headKind' | 'gatePolicy'>>;

export interface TurnRequest {
  readonly prompt: TurnPrompt;
  readonly generate: TurnGenerateOptions;
  readonly session: TurnSessionOptions;
  /** The stream should say where each token's text came from (TextTrace.spans); off, spans stay empty. */
  readonly provenance?: boolean;
}

/** A piece of reply text and where its token came from: 0 = the base model, k = accepted from head k. */
export interface TokenSpan {
  readonly text: string;
  /** 0: the base model; k >= 1: accepted from head k; -1 (COPIED_FROM_CONTEXT): a draft copied from the context. */
  readonly from: number;
}

export const COPIED_FROM_CONTEXT = -1;

/** One decoding step, as the playground shows it (see StepTrace in the engine). */
export interface StepRecord {
  /** 'draft': a parallel step whose candidates were copied from the context instead of the heads'. */
  readonly kind: 'ar' | 'parallel' | 'draft';
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
  | { readonly type: 'done'; readonly finishReason: Exclude<FinishReason, 'abort'>; readonly stats: TurnStats }
  | { readonly type: 'error'; readonly error: ErrorInfo };

/** The event that ends a turn that finished. */
export type TurnDone = Extract<TurnEvent, { type: 'done' }>;

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
   * `ok: false`; cancelling `events` stops the generation and keeps only what was emitted. `background`
   * keeps work alive past the request (the cancel a store sends when the client goes away: a Worker's
   * invocation may end with the disconnect, and its pending requests with it).
   */
  startTurn(key: SessionKey, turn: TurnRequest, background: (task: Promise<unknown>) => void): Promise<TurnStart>;
  /** Deletes the conversation (its cache and log); a session generating right now is left alone. */
  forget(key: SessionKey): Promise<void>;
}
