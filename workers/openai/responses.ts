/** OpenAI response objects for both endpoints, streamed and not; `cerberus` is our extension field. */
import type { TurnEvent } from '../sessions/turn';

export type DoneEvent = Extract<TurnEvent, { type: 'done' }>;

export interface CompletionMeta {
  readonly kind: 'chat' | 'text';
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

export function newCompletionMeta(kind: CompletionMeta['kind'], model: string, nowMs: number): CompletionMeta {
  const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${crypto.randomUUID().replaceAll('-', '')}`;
  return { kind, id, created: Math.floor(nowMs / 1000), model };
}

function usage(done: DoneEvent) {
  const { prompt_tokens, completion_tokens, cached_tokens } = done.usage;
  return {
    prompt_tokens,
    completion_tokens,
    total_tokens: prompt_tokens + completion_tokens,
    prompt_tokens_details: { cached_tokens },
  };
}

const envelope = (meta: CompletionMeta, object: string) => ({
  id: meta.id,
  object,
  created: meta.created,
  model: meta.model,
});

const chunkObject = (meta: CompletionMeta) => (meta.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion');

/** Chat streams open with the assistant role and empty content, as OpenAI's do. */
export function roleChunk(meta: CompletionMeta) {
  return {
    ...envelope(meta, chunkObject(meta)),
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
  };
}

export function textChunk(meta: CompletionMeta, text: string) {
  const choice =
    meta.kind === 'chat'
      ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: null }
      : { index: 0, text, logprobs: null, finish_reason: null };
  return { ...envelope(meta, chunkObject(meta)), choices: [choice] };
}

/**
 * The chunk with the finish reason. It carries usage and the `cerberus` statistics itself unless the client
 * asked for them in a chunk of their own (`stream_options.include_usage`: then see `usageChunk`).
 */
export function finalChunk(meta: CompletionMeta, done: DoneEvent, withUsage: boolean) {
  const choice =
    meta.kind === 'chat'
      ? { index: 0, delta: {}, logprobs: null, finish_reason: done.finishReason }
      : { index: 0, text: '', logprobs: null, finish_reason: done.finishReason };
  const chunk = { ...envelope(meta, chunkObject(meta)), choices: [choice] };
  return withUsage ? { ...chunk, usage: usage(done), cerberus: done.stats } : chunk;
}

/** OpenAI's usage chunk (`stream_options.include_usage`): no choices, the whole stream's usage. */
export function usageChunk(meta: CompletionMeta, done: DoneEvent) {
  return { ...envelope(meta, chunkObject(meta)), choices: [], usage: usage(done), cerberus: done.stats };
}

export function completionBody(meta: CompletionMeta, text: string, done: DoneEvent) {
  const choice =
    meta.kind === 'chat'
      ? { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: done.finishReason }
      : { index: 0, text, logprobs: null, finish_reason: done.finishReason };
  return {
    ...envelope(meta, meta.kind === 'chat' ? 'chat.completion' : 'text_completion'),
    choices: [choice],
    usage: usage(done),
    cerberus: done.stats,
  };
}
