/** Every error status of the API, in OpenAI's error shape, from the real Worker. */
import { describe, expect, it } from 'vitest';
import { call, createTenant, DEV_KEY, errorOf } from './support/http';
import { servedModel } from './support/sessions';

const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'any',
  messages: [{ role: 'user', content: 'Once upon a time' }],
  ...extra,
});

describe('error responses', () => {
  it('400 for a body that is not JSON', async () => {
    const response = await call('/v1/chat/completions', { key: DEV_KEY, body: '{"model": ' });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({
      type: 'invalid_request_error',
      code: 'invalid_json',
      param: null,
      message: expect.stringContaining('not valid JSON'),
    });
  });

  it.each([
    ['a missing field', { model: 'any' }, 'messages'],
    ['a temperature out of range', chat({ temperature: 3 }), 'temperature'],
    ['more than one choice', chat({ n: 2 }), 'n'],
    ['a bad role', chat({ messages: [{ role: 'robot', content: 'hi' }] }), 'messages.0.role'],
    ['an unknown cerberus option', chat({ cerberus: { mode: 'cerberus', turbo: true } }), 'cerberus'],
    ['five stop sequences', chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), 'stop'],
    ['logprobs asked for', chat({ logprobs: true }), 'logprobs'],
    ['top_logprobs asked for', chat({ top_logprobs: 3 }), 'top_logprobs'],
    ['a presence penalty', chat({ presence_penalty: 0.5 }), 'presence_penalty'],
    ['a logit bias', chat({ logit_bias: { '42': 5 } }), 'logit_bias'],
    ['tools', chat({ tools: [{ type: 'function', function: { name: 'lookup' } }] }), 'tools'],
    ['a JSON response format', chat({ response_format: { type: 'json_object' } }), 'response_format.type'],
  ])('400 naming the field for %s', async (_what, body, param) => {
    const response = await call('/v1/chat/completions', { key: DEV_KEY, body });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ type: 'invalid_request_error', code: 'invalid_body', param });
  });

  it('accepts the neutral values clients send by default for features it does not offer', async () => {
    const neutral = { logprobs: false, top_logprobs: 0, presence_penalty: 0, frequency_penalty: 0, logit_bias: {}, tools: [] };
    const response = await call('/v1/chat/completions', {
      key: DEV_KEY,
      body: chat({ ...neutral, model: await servedModel(DEV_KEY), max_tokens: 2, response_format: { type: 'text' } }),
    });
    expect(response.status).toBe(200);
  });

  it('400 context_length_exceeded before any stream starts, for a prompt the context cannot hold', async () => {
    const model = await servedModel(DEV_KEY);
    const long = 'Once upon a time there was a little dog. '.repeat(200);
    for (const stream of [false, true]) {
      const response = await call('/v1/chat/completions', { key: DEV_KEY, body: chat({ model, stream, messages: [{ role: 'user', content: long }] }) });
      expect(response.status, `stream ${stream}`).toBe(400);
      expect(await errorOf(response)).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
    }
    const text = await call('/v1/completions', { key: DEV_KEY, body: { model, prompt: long } });
    expect(text.status).toBe(400);
    expect(await errorOf(text)).toMatchObject({ code: 'context_length_exceeded', param: 'prompt', message: expect.stringContaining('context holds') });
  });

  it('400 for completions options it cannot honour', async () => {
    for (const [field, value] of [['echo', true], ['best_of', 3], ['logprobs', 2]] as const) {
      const response = await call('/v1/completions', { key: DEV_KEY, body: { model: 'any', prompt: 'Hi', [field]: value } });
      expect(response.status, field).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: 'invalid_body', param: field });
    }
  });

  it('says what stop accepts', async () => {
    const response = await call('/v1/chat/completions', { key: DEV_KEY, body: chat({ stop: ['a', 'b', 'c', 'd', 'e'] }) });
    expect((await errorOf(response)).message).toContain('at most 4');
  });

  it('400 for a malformed session id', async () => {
    const response = await call('/v1/chat/completions', { key: DEV_KEY, body: chat(), headers: { 'x-session-id': 'no spaces allowed' } });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'invalid_session_id', param: 'x-session-id' });
  });

  it('400 when max_tokens exceeds the tenant limit', async () => {
    const tenant = await createTenant('small', { max_tokens: 8 });
    const response = await call('/v1/completions', { key: tenant.api_key, body: { model: 'any', prompt: 'Hi', max_tokens: 9 } });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'max_tokens_exceeded', param: 'max_tokens' });
  });

  it('403 for a decoding mode the tenant may not use', async () => {
    const tenant = await createTenant('ar-only', { allowed_modes: ['ar'], head_kind: 'cerberus' });
    const response = await call('/v1/chat/completions', { key: tenant.api_key, body: chat({ cerberus: { mode: 'medusa' } }) });
    expect(response.status).toBe(403);
    expect(await errorOf(response)).toMatchObject({ type: 'permission_error', code: 'mode_not_allowed', param: 'cerberus.mode' });
  });

  it('404 for an unknown route', async () => {
    const response = await call('/v2/everything', { key: DEV_KEY });
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ type: 'not_found_error', code: 'route_not_found' });
  });

  it('404 for a model that is not served', async () => {
    const response = await call('/v1/chat/completions', { key: DEV_KEY, body: chat({ model: 'gpt-4o' }) });
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ type: 'not_found_error', code: 'model_not_found' });
  });

  it('413 for a body over the size limit', async () => {
    const response = await call('/v1/chat/completions', {
      key: DEV_KEY,
      body: chat({ messages: [{ role: 'user', content: 'x'.repeat(300 * 1024) }] }),
    });
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toMatchObject({ type: 'invalid_request_error', code: 'payload_too_large' });
  });
});
