/** Generation through the real Worker, SessionDO and engine, on the tiny fixture model. */
import { describe, expect, it } from 'vitest';
import { call, createTenant, DEV_KEY } from './support/http';
import { chatTurn, servedModel, type Message } from './support/sessions';
import { parseSse, streamedText } from './support/sse';

const STORY: Message[] = [{ role: 'user', content: 'Once upon a time, there was a little cat named Tom.' }];

describe('chat and text completions', () => {
  it('answers stream: false with one chat.completion carrying usage and the Cerberus statistics', async () => {
    const { response, body } = await chatTurn(DEV_KEY, undefined, STORY);
    expect(response.headers.get('x-session-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.object).toBe('chat.completion');
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.model).toBe(await servedModel(DEV_KEY));
    const choice = body.choices[0]!;
    expect(choice.message.role).toBe('assistant');
    expect(['stop', 'length']).toContain(choice.finish_reason);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(24);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(body.usage.prompt_tokens_details.cached_tokens).toBe(0);
    const stats = body.cerberus;
    expect(stats.mode).toBe('cerberus');
    expect(stats.steps).toBe(stats.parallel_steps + stats.ar_steps);
    expect(stats.steps).toBeGreaterThan(0);
    expect(stats.accepted_histogram.reduce((a, b) => a + b, 0)).toBe(stats.parallel_steps);
  });

  it('streams SSE chunks whose text equals the non-streamed reply at temperature 0', async () => {
    const whole = await chatTurn(DEV_KEY, undefined, STORY);
    const response = await call('/v1/chat/completions', {
      key: DEV_KEY,
      body: { model: await servedModel(DEV_KEY), messages: STORY, temperature: 0, max_tokens: 24, stream: true },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const { chunks, done } = parseSse(await response.text());
    expect(done).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(streamedText(chunks)).toBe(whole.body.choices[0]!.message.content);
    const final = chunks.at(-1)!;
    expect(final.choices[0]?.finish_reason).toBe(whole.body.choices[0]!.finish_reason);
    expect(final.usage?.completion_tokens).toBe(whole.body.usage.completion_tokens);
    // Step counts can differ between two sessions (trees follow the cost model and running estimates);
    // greedy text cannot.
    const stats = final.cerberus as { mode: string; steps: number; parallel_steps: number; ar_steps: number };
    expect(stats.mode).toBe('cerberus');
    expect(stats.steps).toBe(stats.parallel_steps + stats.ar_steps);
  });

  it('sends usage in a chunk of its own, with no choices, when stream_options.include_usage asks for it', async () => {
    const body = { model: await servedModel(DEV_KEY), messages: STORY, temperature: 0, max_tokens: 12, stream: true };
    const plain = parseSse(await (await call('/v1/chat/completions', { key: DEV_KEY, body })).text());
    const withUsage = parseSse(
      await (await call('/v1/chat/completions', { key: DEV_KEY, body: { ...body, stream_options: { include_usage: true } } })).text(),
    );
    expect(withUsage.done).toBe(true);
    // Chunks per step can differ between two sessions (their trees may); only the last one has no choices.
    expect(withUsage.chunks.filter((c) => c.choices.length === 0)).toHaveLength(1);
    const [finishing, last] = withUsage.chunks.slice(-2);
    expect(finishing?.choices[0]?.finish_reason).toBe(plain.chunks.at(-1)?.choices[0]?.finish_reason);
    expect(finishing?.usage).toBeUndefined();
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(plain.chunks.at(-1)?.usage);
    expect((last?.cerberus as { mode: string } | undefined)?.mode).toBe('cerberus');
    expect(streamedText(withUsage.chunks)).toBe(streamedText(plain.chunks));
  });

  it('serves /v1/completions, streamed and not, with the same text', async () => {
    const body = { model: await servedModel(DEV_KEY), prompt: 'Lily went to the park', temperature: 0, max_tokens: 16 };
    const whole = (await (await call('/v1/completions', { key: DEV_KEY, body })).json()) as {
      object: string;
      choices: { text: string; finish_reason: string }[];
    };
    expect(whole.object).toBe('text_completion');
    const streamed = parseSse(await (await call('/v1/completions', { key: DEV_KEY, body: { ...body, stream: true } })).text());
    expect(streamed.done).toBe(true);
    expect(streamed.chunks.every((c) => c.object === 'text_completion')).toBe(true);
    expect(streamedText(streamed.chunks)).toBe(whole.choices[0]!.text);
  });

  it('decodes the same greedy text in every mode: verification keeps only what AR would emit', async () => {
    const ar = await chatTurn(DEV_KEY, undefined, STORY, { cerberus: { mode: 'ar' } });
    expect(ar.body.cerberus).toMatchObject({ mode: 'ar', gate: false, parallel_steps: 0 });
    const expected = ar.body.choices[0]!.message.content;
    for (const cerberus of [{ mode: 'medusa' }, { mode: 'cerberus', gate: false }, { mode: 'cerberus', gate: true }]) {
      const { body } = await chatTurn(DEV_KEY, undefined, STORY, { cerberus });
      expect(body.choices[0]!.message.content, JSON.stringify(cerberus)).toBe(expected);
      expect(body.cerberus.mode).toBe(cerberus.mode);
    }
    // Ungated, every step that runs a forward is parallel; only a last token may be emitted without one
    // (no room left for candidates), which the statistics count as an AR step.
    const ungated = await chatTurn(DEV_KEY, undefined, STORY, { cerberus: { mode: 'cerberus', gate: false } });
    expect(ungated.body.cerberus.ar_steps).toBeLessThanOrEqual(1);
    expect(ungated.body.cerberus.parallel_steps).toBe(ungated.body.cerberus.steps - ungated.body.cerberus.ar_steps);
    expect(ungated.body.cerberus.parallel_steps).toBeGreaterThan(0);
  });

  it('samples reproducibly with a seed, and differently with another', async () => {
    const sampled = async (seed: number) =>
      (await chatTurn(DEV_KEY, undefined, STORY, { temperature: 1, top_p: 0.95, seed, max_tokens: 32 })).body.choices[0]!.message.content;
    const [a, b] = [await sampled(7), await sampled(7)];
    expect(b).toBe(a);
    const others = [await sampled(8), await sampled(9), await sampled(10)];
    expect(others.some((text) => text !== a)).toBe(true);
  });

  it('decodes in the tenant’s only allowed mode when a request names none', async () => {
    const tenant = await createTenant('ar-only-default', { allowed_modes: ['ar'] });
    const { body } = await chatTurn(tenant.api_key, undefined, STORY);
    expect(body.cerberus).toMatchObject({ mode: 'ar', parallel_steps: 0 });
  });

  it('stops at a stop sequence, leaving it out of the text', async () => {
    const { body } = await chatTurn(DEV_KEY, undefined, STORY, { max_tokens: 32 });
    const text = body.choices[0]!.message.content;
    const words = text.trim().split(/\s+/);
    const stop = words[Math.floor(words.length / 2)]!;
    const cut = await chatTurn(DEV_KEY, undefined, STORY, { max_tokens: 32, stop: [stop] });
    expect(cut.body.choices[0]!.message.content).toBe(text.slice(0, text.indexOf(stop)));
    expect(cut.body.choices[0]!.finish_reason).toBe('stop');
  });
});
