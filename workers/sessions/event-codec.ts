/**
 * Turn events as NDJSON bytes: Durable Object RPC carries byte streams only. The decoder validates each
 * line, so a malformed event surfaces as an error instead of a wrong response.
 */
import { z } from 'zod';
import { ERROR_STATUSES } from '../api-error';
import { COPIED_FROM_CONTEXT, type TurnEvent } from './turn';
import { turnStatsSchema } from './turn-stats';

const count = z.number().nonnegative();

const errorInfo = z.object({
  status: z.literal(ERROR_STATUSES),
  code: z.string(),
  message: z.string(),
  param: z.string().nullish(),
  retryAfterSeconds: z.number().optional(),
});

const turnEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('text'),
    text: z.string(),
    trace: z
      .object({
        spans: z.array(z.object({ text: z.string(), from: z.int().min(COPIED_FROM_CONTEXT) })),
        steps: z.array(
          z.object({
            kind: z.enum(['ar', 'parallel', 'draft']),
            tokens: count,
            entropy: z.number().nullable(),
            threshold: z.number().nullable(),
            tree_size: count,
          }),
        ),
        prompt_tokens: count.optional(),
      })
      .optional(),
  }),
  z.object({ type: z.literal('done'), finishReason: z.enum(['stop', 'length']), stats: turnStatsSchema }),
  z.object({ type: z.literal('error'), error: errorInfo }),
]) satisfies z.ZodType<TurnEvent>;

export function encodeEvents(): TransformStream<TurnEvent, Uint8Array> {
  const encoder = new TextEncoder();
  return new TransformStream({
    transform(event, controller) {
      controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
    },
  });
}

export function decodeEvents(): TransformStream<Uint8Array, TurnEvent> {
  const decoder = new TextDecoder();
  let pending = '';
  const emitLines = (controller: TransformStreamDefaultController<TurnEvent>, flush: boolean) => {
    const lines = pending.split('\n');
    pending = flush ? '' : (lines.pop() ?? '');
    for (const line of lines) if (line.trim().length > 0) controller.enqueue(turnEvent.parse(JSON.parse(line)));
  };
  return new TransformStream({
    transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true });
      emitLines(controller, false);
    },
    flush(controller) {
      pending += decoder.decode();
      emitLines(controller, true);
    },
  });
}
