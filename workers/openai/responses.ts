/** OpenAI response objects for both endpoints, streamed and not; `cerberus` is our extension field. */
import { ApiError } from '../api-error';
import type { TextTrace, TurnDone, TurnEvent } from '../sessions/turn';
import { cerberusView } from '../sessions/turn-stats';
import { sseFrame, type SseRender } from './sse';


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

function usage(done: TurnDone) {
  const { prompt_tokens, completion_tokens, cached_tokens } = done.stats;
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

/**
 * The opt-in provenance extension (`cerberus.provenance: true`) on a chunk with text: the text by source
 * (`from` 0 = the base model's own token, k = accepted from head k; the texts add up to the chunk's) and
 * the decoding steps that finished since the previous chunk.
 */
export function provenanceOf(trace: TextTrace | undefined) {
  return { tokens: trace?.spans ?? [], steps: trace?.steps ?? [] };
}

export function textChunk(meta: CompletionMeta, text: string, trace: TextTrace | false | undefined = false) {
  const choice =
    meta.kind === 'chat'
      ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: null }
      : { index: 0, text, logprobs: null, finish_reason: null };
  const chunk = { ...envelope(meta, chunkObject(meta)), choices: [choice] };
  return trace === false ? chunk : { ...chunk, cerberus: provenanceOf(trace) };
}

/**
 * The chunk with the finish reason. It carries usage and the `cerberus` statistics itself unless the client
 * asked for them in a chunk of their own (`stream_options.include_usage`: then see `usageChunk`).
 */
export function finalChunk(meta: CompletionMeta, done: TurnDone, withUsage: boolean) {
  const choice =
    meta.kind === 'chat'
      ? { index: 0, delta: {}, logprobs: null, finish_reason: done.finishReason }
      : { index: 0, text: '', logprobs: null, finish_reason: done.finishReason };
  const chunk = { ...envelope(meta, chunkObject(meta)), choices: [choice] };
  return withUsage ? { ...chunk, usage: usage(done), cerberus: cerberusView(done.stats) } : chunk;
}

/** OpenAI's usage chunk (`stream_options.include_usage`): no choices, the whole stream's usage. */
export function usageChunk(meta: CompletionMeta, done: TurnDone) {
  return { ...envelope(meta, chunkObject(meta)), choices: [], usage: usage(done), cerberus: cerberusView(done.stats) };
}

export interface StreamOptions {
  /** `stream_options.include_usage`: usage in a last chunk of its own instead of on the finishing one. */
  readonly usageChunk: boolean;
  /** `cerberus.provenance`: each text chunk says where its tokens came from. */
  readonly provenance: boolean;
}

/** The Chat Completions / Completions stream: `data: {chunk}` lines, then `data: [DONE]`. */
export function completionStream(meta: CompletionMeta, options: StreamOptions): SseRender {
  return {
    open: () => (meta.kind === 'chat' ? [sseFrame(roleChunk(meta))] : []),
    event(event) {
      switch (event.type) {
        case 'text':
          return event.text.length > 0 ? [sseFrame(textChunk(meta, event.text, options.provenance && event.trace))] : [];
        case 'done':
          if (options.usageChunk) return [sseFrame(finalChunk(meta, event, false)), sseFrame(usageChunk(meta, event)), sseFrame('[DONE]')];
          return [sseFrame(finalChunk(meta, event, true)), sseFrame('[DONE]')];
        case 'error':
          // Headers are gone by now: OpenAI's convention is an error object as the last data line.
          return [sseFrame(new ApiError(event.error).toBody())];
      }
    },
  };
}

export function completionBody(meta: CompletionMeta, text: string, done: TurnDone) {
  const choice =
    meta.kind === 'chat'
      ? { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: done.finishReason }
      : { index: 0, text, logprobs: null, finish_reason: done.finishReason };
  return {
    ...envelope(meta, meta.kind === 'chat' ? 'chat.completion' : 'text_completion'),
    choices: [choice],
    usage: usage(done),
    cerberus: cerberusView(done.stats),
  };
}
