import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { ApiError, badRequest } from '../api-error';

const tooLarge = (maxBytes: number) =>
  new ApiError({
    status: 413,
    code: 'payload_too_large',
    message: `The request body is larger than ${maxBytes} bytes; send a shorter prompt or conversation.`,
  });

const DECODABLE = new Set(['gzip', 'x-gzip', 'deflate']);

/** Reads `body` through `stream`-decompression, refusing more than `maxBytes` of decoded bytes. */
async function decoded(body: ReadableStream<Uint8Array>, encoding: string, maxBytes: number): Promise<Uint8Array> {
  const format = encoding === 'deflate' ? 'deflate' : 'gzip';
  const reader = body.pipeThrough(new DecompressionStream(format) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // Checked as it inflates: a small compressed body may expand to gigabytes.
      if (size > maxBytes) throw tooLarge(maxBytes);
      parts.push(value);
    }
  } catch (error) {
    void reader.cancel().catch(() => undefined);
    if (error instanceof ApiError) throw error;
    throw badRequest('invalid_body_encoding', `The body is not valid ${format} data, although Content-Encoding says it is.`);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * Rejects bodies over `maxBytes` with 413 before anything parses them. A gzip or deflate body
 * (Content-Encoding) is decoded, within the same limit after decoding; any other encoding is 415.
 */
export function jsonBodyLimit(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge(maxBytes);
    },
  });
  return async function jsonBodyLimit(c, next) {
    const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity' || encoding === '' || c.req.raw.body === null) return limit(c, next);
    if (!DECODABLE.has(encoding)) {
      throw new ApiError({
        status: 415,
        code: 'unsupported_content_encoding',
        message: `Content-Encoding "${encoding}" is not supported; send the body uncompressed, gzip or deflate.`,
      });
    }
    const body = await decoded(c.req.raw.body, encoding, maxBytes);
    const headers = new Headers(c.req.raw.headers);
    headers.delete('content-encoding');
    headers.set('content-length', String(body.byteLength));
    c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers, body, signal: c.req.raw.signal });
    return next();
  };
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
