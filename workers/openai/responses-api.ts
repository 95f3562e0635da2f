/**
 * OpenAI's Responses API (`POST /v1/responses`), its text subset: `input` as a string or messages,
 * `instructions`, `max_output_tokens`, `temperature`, `top_p`, `stream` (the Responses event sequence),
 * `usage`, and `previous_response_id`, which continues the conversation in that response's session. Tools,
 * non-text input and the other features a text model cannot honour are refused with a 400 naming them.
 */
import { z } from 'zod';
import { ApiError, badRequest } from '../api-error';
import type { ChatTurnMessage, TurnDone, TurnEvent, TurnPrompt } from '../sessions/turn';
import { cerberusOptions, SESSION_ID_PATTERN, sessionIdSchema } from './requests';
import { cerberusView } from '../sessions/turn-stats';
import { provenanceOf } from './responses';
import { sseFrame, type SseRender } from './sse';

const contentPart = z.object({ type: z.string(), text: z.string().optional() }).loose();

const inputItem = z
  .object({
    type: z.string().optional(),
    role: z.enum(['system', 'developer', 'user', 'assistant'], { error: 'role is one of system, developer, user, assistant' }).optional(),
    content: z.union([z.string(), z.array(contentPart)], { error: 'content is a string or an array of text parts' }).optional(),
  })
  .loose();

export const responsesRequest = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItem).min(1)], { error: 'input is a string or a non-empty array of messages' }),
  instructions: z.string().nullish(),
  max_output_tokens: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  stream: z.boolean().nullish(),
  previous_response_id: z.string().nullish(),
  /** Every response is kept in its session (that is what previous_response_id continues); store: false is accepted as a hint only. */
  store: z.boolean().nullish(),
  tools: z.array(z.unknown()).max(0, { error: 'tool calling is not supported by this model; omit tools' }).nullish(),
  tool_choice: z.enum(['none', 'auto'], { error: 'tool_choice other than "none" or "auto" needs tools, which this model does not support' }).nullish(),
  text: z
    .object({
      format: z.object({ type: z.literal('text', { error: 'only text output is supported: text.format {"type": "text"}' }) }).loose().nullish(),
    })
    .loose()
    .nullish(),
  top_logprobs: z.literal(0, { error: 'logprobs are not returned by this server; omit top_logprobs or send 0' }).nullish(),
  background: z.literal(false, { error: 'background responses are not supported; omit background' }).nullish(),
  conversation: z.null({ error: 'the Conversations API is not supported; continue with previous_response_id' }).optional(),
  /** Extensions, as on the other endpoints (seed for reproducible sampling, decoding options, a session). */
  seed: z.int().nullish(),
  session_id: sessionIdSchema.optional(),
  cerberus: cerberusOptions.optional(),
});
export type ResponsesRequest = z.output<typeof responsesRequest>;

const TEXT_PARTS = new Set(['input_text', 'output_text', 'text']);

/** The request's input as chat messages, `instructions` first (a system message: this model knows no roles). */
export function responsesMessages(body: ResponsesRequest): ChatTurnMessage[] {
  const messages: ChatTurnMessage[] = [];
  if (body.instructions) messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', content: body.input });
    return messages;
  }
  body.input.forEach((item, i) => {
    if (item.type !== undefined && item.type !== 'message') {
      throw badRequest('unsupported_input', `input.${i}: items of type "${item.type}" are not supported; send messages with text content.`, `input.${i}.type`);
    }
    if (item.role === undefined || item.content === undefined) {
      throw badRequest('invalid_body', `input.${i}: a message needs a role and content.`, `input.${i}`);
    }
    const parts = typeof item.content === 'string' ? [{ type: 'input_text', text: item.content }] : item.content;
    const text = parts
      .map((part, j) => {
        if (!TEXT_PARTS.has(part.type) || part.text === undefined) {
          throw badRequest(
            'unsupported_input',
            `input.${i}.content.${j}: only text input is supported (input_text, output_text), not "${part.type}".`,
            `input.${i}.content.${j}.type`,
          );
        }
        return part.text;
      })
      .join('');
    messages.push({ role: item.role === 'developer' ? 'system' : item.role, content: text });
  });
  return messages;
}

// A response id names its session, so previous_response_id finds the conversation without a lookup table.
const RESPONSE_ID = /^resp_([0-9a-f]{12})_([A-Za-z0-9_-]{1,128})$/;

export function newResponseId(sessionId: string): string {
  return `resp_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}_${sessionId}`;
}

/** The session a previous_response_id continues. */
export function sessionOfResponse(id: string): string {
  const session = RESPONSE_ID.exec(id)?.[2];
  if (session === undefined || !SESSION_ID_PATTERN.test(session)) {
    throw new ApiError({
      status: 404,
      code: 'previous_response_not_found',
      message: `No response with id "${id}" (ids from this server look like resp_<12 hex>_<session>).`,
      param: 'previous_response_id',
    });
  }
  return session;
}

export function responsesPrompt(body: ResponsesRequest): TurnPrompt {
  const messages = responsesMessages(body);
  return body.previous_response_id ? { kind: 'append', messages } : { kind: 'chat', messages };
}

export interface ResponseMeta {
  readonly id: string;
  readonly itemId: string;
  readonly createdAt: number;
  readonly body: ResponsesRequest;
  readonly maxOutputTokens: number;
}

export function newResponseMeta(sessionId: string, body: ResponsesRequest, maxOutputTokens: number, nowMs: number): ResponseMeta {
  return {
    id: newResponseId(sessionId),
    itemId: `msg_${crypto.randomUUID().replaceAll('-', '')}`,
    createdAt: Math.floor(nowMs / 1000),
    body,
    maxOutputTokens,
  };
}

function usage(done: TurnDone) {
  const { prompt_tokens, completion_tokens, cached_tokens } = done.stats;
  return {
    input_tokens: prompt_tokens,
    input_tokens_details: { cached_tokens },
    output_tokens: completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: prompt_tokens + completion_tokens,
  };
}

function messageItem(meta: ResponseMeta, text: string | null, status: 'in_progress' | 'completed' | 'incomplete') {
  return {
    id: meta.itemId,
    type: 'message',
    status,
    role: 'assistant',
    content: text === null ? [] : [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  };
}

type Status = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The response object; `done` absent while in progress. */
export function responseObject(meta: ResponseMeta, status: Status, text: string | null, done?: TurnDone) {
  const { body } = meta;
  const incomplete = status === 'incomplete';
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status,
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: meta.maxOutputTokens,
    model: body.model,
    output: text === null ? [] : [messageItem(meta, text, incomplete ? 'incomplete' : 'completed')],
    parallel_tool_calls: false,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: body.temperature ?? 1,
    text: { format: { type: 'text' } },
    tool_choice: 'none',
    tools: [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: done === undefined ? null : usage(done),
    metadata: {},
    ...(done === undefined ? {} : { cerberus: cerberusView(done.stats) }),
  };
}

const finalStatus = (done: TurnDone): Status => (done.finishReason === 'length' ? 'incomplete' : 'completed');

export function responseBody(meta: ResponseMeta, text: string, done: TurnDone) {
  return responseObject(meta, finalStatus(done), text, done);
}

/**
 * The Responses event stream: response.created, .in_progress, .output_item.added, .content_part.added,
 * .output_text.delta per text event, then .output_text.done, .content_part.done, .output_item.done and
 * response.completed (or response.incomplete at max_output_tokens). A failure part-way ends it with an
 * `error` event. Each event is named (`event:` line) and numbered (`sequence_number`), as OpenAI's are.
 */
export function responsesStream(meta: ResponseMeta, provenance: boolean): SseRender {
  let sequence = 0;
  let text = '';
  const frame = (type: string, fields: Record<string, unknown>) => sseFrame({ type, sequence_number: sequence++, ...fields }, type);
  const where = { item_id: meta.itemId, output_index: 0, content_index: 0 };
  return {
    open: () => [
      frame('response.created', { response: responseObject(meta, 'in_progress', null) }),
      frame('response.in_progress', { response: responseObject(meta, 'in_progress', null) }),
      frame('response.output_item.added', { output_index: 0, item: messageItem(meta, null, 'in_progress') }),
      frame('response.content_part.added', { ...where, part: { type: 'output_text', text: '', annotations: [] } }),
    ],
    event(event: TurnEvent) {
      switch (event.type) {
        case 'text':
          if (event.text.length === 0) return [];
          text += event.text;
          return [
            frame('response.output_text.delta', {
              ...where,
              delta: event.text,
              logprobs: [],
              ...(provenance ? { cerberus: provenanceOf(event.trace) } : {}),
            }),
          ];
        case 'done': {
          const status = finalStatus(event);
          return [
            frame('response.output_text.done', { ...where, text, logprobs: [] }),
            frame('response.content_part.done', { ...where, part: { type: 'output_text', text, annotations: [] } }),
            frame('response.output_item.done', { output_index: 0, item: messageItem(meta, text, status === 'incomplete' ? 'incomplete' : 'completed') }),
            frame(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: responseObject(meta, status, text, event) }),
          ];
        }
        case 'error': {
          const { error } = new ApiError(event.error).toBody();
          return [frame('error', { code: error.code, message: error.message, param: error.param })];
        }
      }
    },
  };
}
