/**
 * Turn events → OpenAI Server-Sent Events, read on demand. A client that goes away stops the turn two
 * ways: the runtime cancels the response body, or aborts the request's signal. The signal path cancels
 * the events directly: a pipe would first wait to deliver a chunk nobody reads any more.
 */
import { ApiError } from '../http/api-error';
import type { TurnEvent } from '../sessions/turn';
import { finalChunk, roleChunk, textChunk, usageChunk, type CompletionMeta, type DoneEvent } from './responses';

export interface SseOptions {
  /** `stream_options.include_usage`: usage in a last chunk of its own instead of on the finishing one. */
  readonly usageChunk: boolean;
}

const encoder = new TextEncoder();
const frame = (data: unknown): Uint8Array => encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);

function framesOf(meta: CompletionMeta, options: SseOptions, event: TurnEvent, onDone: (done: DoneEvent) => void): Uint8Array[] {
  switch (event.type) {
    case 'text':
      return event.text.length > 0 ? [frame(textChunk(meta, event.text))] : [];
    case 'done':
      onDone(event);
      if (options.usageChunk) return [frame(finalChunk(meta, event, false)), frame(usageChunk(meta, event)), frame('[DONE]')];
      return [frame(finalChunk(meta, event, true)), frame('[DONE]')];
    case 'error':
      // Headers are gone by now: OpenAI's convention is an error object as the last data line.
      return [frame(new ApiError(event.error).toBody())];
  }
}

/** A reader of `events` that is cancelled when `signal` aborts; `release` stops listening. */
function readerUntilAborted(events: ReadableStream<TurnEvent>, signal: AbortSignal) {
  const reader = events.getReader();
  const stop = () => void reader.cancel('the client went away').catch(() => undefined);
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return { reader, release: () => signal.removeEventListener('abort', stop) };
}

export function serverSentEvents(
  events: ReadableStream<TurnEvent>,
  meta: CompletionMeta,
  options: SseOptions,
  signal: AbortSignal,
  onDone: (done: DoneEvent) => void,
): ReadableStream<Uint8Array> {
  const { reader, release } = readerUntilAborted(events, signal);
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (meta.kind === 'chat') controller.enqueue(frame(roleChunk(meta)));
      },
      async pull(controller) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            release();
            controller.close();
            return;
          }
          const frames = framesOf(meta, options, value, onDone);
          for (const f of frames) controller.enqueue(f);
          if (frames.length > 0) return;
        }
      },
      cancel(reason) {
        release();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

/** Reads a whole turn for `stream: false`; a mid-turn failure becomes the response's error. */
export async function collectTurn(events: ReadableStream<TurnEvent>, signal: AbortSignal): Promise<{ text: string; done: DoneEvent }> {
  const { reader, release } = readerUntilAborted(events, signal);
  let text = '';
  let finished: DoneEvent | undefined;
  let ended = false;
  try {
    // Read to the very end, past `done`: the session counts the turn as over only when its stream is.
    for (;;) {
      const { done, value } = await reader.read();
      ended = done;
      if (done) break;
      if (value.type === 'text') text += value.text;
      else if (value.type === 'done') finished = value;
      else throw new ApiError(value.error);
    }
  } finally {
    release();
    // Leaving early (an error event, a failed read) must still end the turn, not leave it waiting.
    if (!ended) void reader.cancel().catch(() => undefined);
  }
  if (finished === undefined) {
    throw new ApiError({ status: 500, code: 'turn_incomplete', message: 'The turn ended without finishing (was the request cancelled?).' });
  }
  return { text, done: finished };
}
