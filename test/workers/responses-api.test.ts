/** POST /v1/responses in workerd: the body, the event stream, previous_response_id and the refusals. */
import { describe, expect, it } from 'vitest';
import { call, DEV_KEY, errorOf } from './support/http';
import { chatTurn, servedModel, type Message } from './support/sessions';

interface ResponseBody {
  id: string;
  object: string;
  status: string;
  incomplete_details: { reason: string } | null;
  output: { type: string; role: string; status: string; content: { type: string; text: string }[] }[];
  usage: { input_tokens: number; input_tokens_details: { cached_tokens: number }; output_tokens: number; total_tokens: number };
  previous_response_id: string | null;
  cerberus: { steps: number; mean_accepted_length: number };
}

interface StreamEvent {
  type: string;
  sequence_number: number;
  delta?: string;
  text?: string;
  response?: ResponseBody;
  code?: string;
}

async function respond(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return call('/v1/responses', { key: DEV_KEY, headers, body: { model: await servedModel(DEV_KEY), temperature: 0, ...body } });
}

async function responseOf(body: Record<string, unknown>): Promise<ResponseBody> {
  const response = await respond(body);
  if (response.status !== 200) throw new Error(`responses: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as ResponseBody;
}

const outputText = (r: ResponseBody) => r.output.flatMap((item) => item.content.map((part) => part.text)).join('');

/** Named SSE events: the `event:` line must match the payload's type. */
function parseEvents(raw: string): StreamEvent[] {
  return raw
    .split('\n\n')
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const lines = block.split('\n');
      const name = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
      const data = JSON.parse(lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')) as StreamEvent;
      expect(name).toBe(data.type);
      return data;
    });
}

const STORY = 'Once upon a time, there was a little girl named Lily.';

describe('POST /v1/responses', () => {
  it('answers the text a chat completion gives for the same input at temperature 0, with Responses usage', async () => {
    const chat = await chatTurn(DEV_KEY, undefined, [{ role: 'user', content: STORY }], { max_tokens: 20 });
    const response = await responseOf({ input: STORY, max_output_tokens: 20 });
    expect(response).toMatchObject({ object: 'response', previous_response_id: null });
    expect(response.id).toMatch(/^resp_/);
    expect(outputText(response)).toBe(chat.body.choices[0]!.message.content);
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant' });
    expect(response.usage.input_tokens).toBe(chat.body.usage.prompt_tokens);
    expect(response.usage.output_tokens).toBe(chat.body.usage.completion_tokens);
    expect(response.usage.total_tokens).toBe(response.usage.input_tokens + response.usage.output_tokens);
    // Stopped by max_output_tokens (not by the end of the story) is OpenAI's "incomplete".
    if (chat.body.choices[0]!.finish_reason === 'length') {
      expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    } else {
      expect(response.status).toBe('completed');
    }
    expect(response.cerberus.steps).toBeGreaterThan(0);
  });

  it('takes messages with text parts and instructions as the same prompt as chat messages', async () => {
    const messages: Message[] = [
      { role: 'system', content: 'A story for children.' },
      { role: 'user', content: STORY },
    ];
    const chat = await chatTurn(DEV_KEY, undefined, messages, { max_tokens: 12 });
    const response = await responseOf({
      instructions: 'A story for children.',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: STORY }] }],
      max_output_tokens: 12,
    });
    expect(outputText(response)).toBe(chat.body.choices[0]!.message.content);
  });

  it('streams the Responses event sequence, numbered, whose deltas add up to the final text', async () => {
    const whole = await responseOf({ input: STORY, max_output_tokens: 24 });
    const response = await respond({ input: STORY, max_output_tokens: 24, stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = parseEvents(await response.text());
    const types = events.map((e) => e.type);
    const last = whole.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', last]);
    expect(types.slice(4, -4).every((t) => t === 'response.output_text.delta')).toBe(true);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));

    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    expect(deltas).toBe(outputText(whole));
    expect(events.find((e) => e.type === 'response.output_text.done')?.text).toBe(deltas);
    const final = events.at(-1)!.response!;
    expect(outputText(final)).toBe(deltas);
    expect(final.usage.output_tokens).toBe(whole.usage.output_tokens);
    expect(final.id).toBe(events[0]!.response!.id);
  });

  it('continues the conversation from previous_response_id in its session: the same text as sending it whole', async () => {
    const first = await responseOf({ input: STORY, max_output_tokens: 16 });
    const second = await responseOf({ input: 'One day, she went to the park.', previous_response_id: first.id, max_output_tokens: 16 });
    expect(second.previous_response_id).toBe(first.id);
    // The session's KV cache served the first turn again.
    expect(second.usage.input_tokens_details.cached_tokens).toBeGreaterThanOrEqual(first.usage.input_tokens + first.usage.output_tokens - 1);

    const whole = await chatTurn(
      DEV_KEY,
      undefined,
      [
        { role: 'user', content: STORY },
        { role: 'assistant', content: outputText(first) },
        { role: 'user', content: 'One day, she went to the park.' },
      ],
      { max_tokens: 16 },
    );
    expect(outputText(second)).toBe(whole.body.choices[0]!.message.content);
    expect(second.usage.input_tokens).toBe(whole.body.usage.prompt_tokens);
  });

  it('refuses what a text model cannot honour, naming the field', async () => {
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ input: STORY, tools: [{ type: 'function', name: 'f' }] }, 400, 'invalid_body', 'tools'],
      [{ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] }, 400, 'unsupported_input', 'input.0.content.0.type'],
      [{ input: [{ type: 'function_call_output', call_id: 'c', output: '1' }] }, 400, 'unsupported_input', 'input.0.type'],
      [{ input: STORY, text: { format: { type: 'json_object' } } }, 400, 'invalid_body', 'text.format.type'],
      [{ input: STORY, background: true }, 400, 'invalid_body', 'background'],
      [{ input: [] }, 400, 'invalid_body', 'input'],
      [{ input: STORY, previous_response_id: 'not-ours' }, 404, 'previous_response_not_found', 'previous_response_id'],
      [{ input: STORY, previous_response_id: `resp_0123456789ab_never-${crypto.randomUUID()}` }, 404, 'previous_response_not_found', 'previous_response_id'],
      [{ input: STORY, max_output_tokens: 100_000 }, 400, 'max_tokens_exceeded', 'max_output_tokens'],
    ];
    for (const [body, status, code, param] of cases) {
      const response = await respond(body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(await errorOf(response), JSON.stringify(body)).toMatchObject({ code, param });
    }
  });
});
