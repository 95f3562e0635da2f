/**
 * Turn events → Server-Sent Events, read on demand. A client that goes away stops the turn two ways: the
 * runtime cancels the response body, or aborts the request's signal. The signal path cancels the events
 * directly: a pipe would first wait to deliver a chunk nobody reads any more. What the frames look like
 * (Chat Completions chunks, Responses events) is the caller's `render`.
 */
import { ApiError } from '../api-error';
import type { TurnDone, TurnEvent } from '../sessions/turn';
import type { TurnAccount } from './turn-account';

const encoder = new TextEncoder();

/** One `data:` line (with an `event:` line before it when named, as the Responses API sends them). */
export function sseFrame(data: unknown, event?: string): Uint8Array {
  const payload = `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
  return encoder.encode(event === undefined ? payload : `event: ${event}\n${payload}`);
}

export interface SseRender {
  /** Frames before the first event (the chat role chunk, response.created). */
  readonly open: () => Uint8Array[];
  /** Frames for one event; none for an event with nothing to show (the stream then reads the next). */
  readonly event: (event: TurnEvent) => Uint8Array[];
}

/** A reader of `events` that is cancelled when `signal` aborts; `release` stops listening. */
function readerUntilAborted(events: ReadableStream<TurnEvent>, signal: AbortSignal, onAbort: () => void) {
  const reader = events.getReader();
  const stop = () => {
    onAbort();
    void reader.cancel('the client went away').catch(() => undefined);
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return { reader, release: () => signal.removeEventListener('abort', stop) };
}

export function serverSentEvents(
  events: ReadableStream<TurnEvent>,
  render: SseRender,
  signal: AbortSignal,
  account: TurnAccount,
): ReadableStream<Uint8Array> {
  const { reader, release } = readerUntilAborted(events, signal, () => account.settle());
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        for (const f of render.open()) controller.enqueue(f);
      },
      async pull(controller) {
        for (;;) {
          let next: ReadableStreamReadResult<TurnEvent>;
          try {
            next = await reader.read();
          } catch (error) {
            // The session's stream broke (its object went away): the turn is over, count what it delivered.
            release();
            account.settle();
            throw error;
          }
          const { done, value } = next;
          if (done) {
            release();
            account.settle();
            controller.close();
            return;
          }
          account.observe(value);
          if (value.type !== 'text') account.settle();
          const frames = render.event(value);
          for (const f of frames) controller.enqueue(f);
          if (frames.length > 0) return;
        }
      },
      cancel(reason) {
        release();
        account.settle();
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
export async function collectTurn(
  events: ReadableStream<TurnEvent>,
  signal: AbortSignal,
  account: TurnAccount,
): Promise<{ text: string; done: TurnDone }> {
  const { reader, release } = readerUntilAborted(events, signal, () => account.settle());
  let text = '';
  let finished: TurnDone | undefined;
  let ended = false;
  try {
    // Read to the very end, past `done`: the session counts the turn as over only when its stream is.
    for (;;) {
      const { done, value } = await reader.read();
      ended = done;
      if (done) break;
      account.observe(value);
      if (value.type === 'text') text += value.text;
      else if (value.type === 'done') finished = value;
      else throw new ApiError(value.error);
    }
  } finally {
    release();
    account.settle();
    // Leaving early (an error event, a failed read) must still end the turn, not leave it waiting.
    if (!ended) void reader.cancel().catch(() => undefined);
  }
  if (finished === undefined) {
    throw new ApiError({ status: 500, code: 'turn_incomplete', message: 'The turn ended without finishing (was the request cancelled?).' });
  }
  return { text, done: finished };
}
