import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { ApiError, badRequest } from './api-error';

/** Rejects bodies over `maxBytes` with 413 before anything parses them. */
export function jsonBodyLimit(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError({
        status: 413,
        code: 'payload_too_large',
        message: `The request body is larger than ${maxBytes} bytes; send a shorter prompt or conversation.`,
      });
    },
  });
}

/** Parses the JSON body against `schema`; the first issue becomes a 400 naming the offending field. */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw badRequest('invalid_json', 'The body is not valid JSON; send a JSON object with content-type application/json.');
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue?.path.length ? issue.path.map(String).join('.') : null;
  const message = issue ? `${param ?? 'body'}: ${issue.message}` : 'The body does not match the schema.';
  throw badRequest('invalid_body', message, param);
}
