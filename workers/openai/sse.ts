/**
 * Turn events → OpenAI Server-Sent Events. A transform stream, so cancelling the response (the client
 * went away) cancels the session's event stream behind it, which stops the generation.
 */
import { ApiError } from '../http/api-error';
import type { TurnEvent } from '../sessions/turn';
import { finalChunk, roleChunk, textChunk, type CompletionMeta, type DoneEvent } from './responses';

const encoder = new TextEncoder();
const frame = (data: unknown): Uint8Array => encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);

export function toServerSentEvents(meta: CompletionMeta, onDone: (done: DoneEvent) => void): TransformStream<TurnEvent, Uint8Array> {
  return new TransformStream({
    start(controller) {
      if (meta.kind === 'chat') controller.enqueue(frame(roleChunk(meta)));
    },
    transform(event, controller) {
      switch (event.type) {
        case 'text':
          if (event.text.length > 0) controller.enqueue(frame(textChunk(meta, event.text)));
          return;
        case 'done':
          controller.enqueue(frame(finalChunk(meta, event)));
          controller.enqueue(frame('[DONE]'));
          onDone(event);
          return;
        case 'error':
          // Headers are gone by now: OpenAI's convention is an error object as the last data line.
          controller.enqueue(frame(new ApiError(event.error).toBody()));
          return;
      }
    },
  });
}

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

/** Reads a whole turn for `stream: false`; a mid-turn failure becomes the response's error. */
export async function collectTurn(events: ReadableStream<TurnEvent>): Promise<{ text: string; done: DoneEvent }> {
  let text = '';
  for await (const event of events) {
    if (event.type === 'text') text += event.text;
    else if (event.type === 'done') return { text, done: event };
    else throw new ApiError(event.error);
  }
  throw new ApiError({ status: 500, code: 'turn_incomplete', message: 'The session ended the turn without finishing it; retry.' });
}
