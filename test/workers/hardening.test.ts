/**
 * Hostile and unlucky input against the real Worker: key revocation, admission, readiness, the KV memory
 * budget, floods of bad keys, compressed bodies and the request fields that used to slip through.
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { admissionLimitsFrom, DEFAULT_ADMISSION } from '../../workers/http/admission';
import { ADMIN, call, createTenant, DEV_KEY, errorOf } from './support/http';
import { chatTurn, servedModel, sessionStub } from './support/sessions';
import { readFirstText } from './support/sse';

const chat = async (extra: Record<string, unknown> = {}) => ({
  model: await servedModel(DEV_KEY),
  messages: [{ role: 'user', content: 'Once upon a time' }],
  max_tokens: 2,
  temperature: 0,
  ...extra,
});

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// SELF with a binary body (the shared helper stringifies).
async function fetchRaw(path: string, body: BodyInit, headers: Record<string, string>): Promise<Response> {
  return SELF.fetch(`https://cerberus.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${DEV_KEY}`, ...headers },
    body,
  });
}

describe('keys: rotation, deletion and listing', () => {
  it('a rotated key fails on the very next request and the new one works', async () => {
    const tenant = await createTenant('rotating');
    const body = await chat();
    expect((await call('/v1/tenant', { key: tenant.api_key })).status).toBe(200);
    const rotated = await call(`/admin/tenants/${tenant.id}/rotate-key`, { method: 'POST', key: ADMIN });
    expect(rotated.status).toBe(200);
    const { api_key: newKey, id } = (await rotated.json()) as { api_key: string; id: string };
    expect(id).toBe(tenant.id);
    expect(newKey).not.toBe(tenant.api_key);
    const old = await call('/v1/chat/completions', { key: tenant.api_key, body });
    expect(old.status).toBe(401);
    expect((await errorOf(old)).code).toBe('invalid_api_key');
    expect((await call('/v1/chat/completions', { key: newKey, body })).status).toBe(200);
  });

  it('a deleted tenant is gone from the list and its key fails on the very next request', async () => {
    const tenant = await createTenant('doomed');
    expect((await call('/v1/tenant', { key: tenant.api_key })).status).toBe(200);
    const listed = (await (await call('/admin/tenants', { key: ADMIN })).json()) as { object: string; data: { id: string }[] };
    expect(listed.object).toBe('list');
    expect(listed.data.map((t) => t.id)).toContain(tenant.id);
    expect(JSON.stringify(listed)).not.toContain('api_key');

    const deleted = await call(`/admin/tenants/${tenant.id}`, { method: 'DELETE', key: ADMIN });
    expect(await deleted.json()).toEqual({ object: 'tenant.deleted', id: tenant.id, deleted: true });
    expect((await call('/v1/tenant', { key: tenant.api_key })).status).toBe(401);
    expect((await call(`/admin/tenants/${tenant.id}`, { key: ADMIN })).status).toBe(404);
    expect((await call(`/admin/tenants/${tenant.id}`, { method: 'DELETE', key: ADMIN })).status).toBe(404);
    const after = (await (await call('/admin/tenants', { key: ADMIN })).json()) as { data: { id: string }[] };
    expect(after.data.map((t) => t.id)).not.toContain(tenant.id);
  });

  it('the new admin routes need the admin secret', async () => {
    expect((await call('/admin/tenants', { key: DEV_KEY })).status).toBe(403);
    expect((await call('/admin/tenants/dev', { method: 'DELETE', key: DEV_KEY })).status).toBe(403);
    expect((await call('/admin/tenants/dev/rotate-key', { method: 'POST', key: DEV_KEY })).status).toBe(403);
  });
});

describe('admission and readiness', () => {
  it('takes the limits from configuration strings (wrangler.toml vars), refusing malformed ones', () => {
    expect(admissionLimitsFrom({})).toEqual(DEFAULT_ADMISSION);
    expect(admissionLimitsFrom({ maxActive: '2', maxQueued: '7' })).toMatchObject({ maxActive: 2, maxQueued: 7 });
    for (const bad of ['0', '-1', '2.5', 'four', ' ']) {
      expect(() => admissionLimitsFrom({ maxActive: bad })).toThrow(/MAX_ACTIVE_TURNS must be a positive integer/);
    }
    expect(() => admissionLimitsFrom({ maxQueued: '1e9x' })).toThrow(/MAX_QUEUED_TURNS/);
  });

  it('refuses a tenant past its max_concurrent with 429 and Retry-After, and admits again when a turn ends', async () => {
    const tenant = await createTenant('narrow', { max_concurrent: 1 });
    const body = { ...(await chat()), max_tokens: 64, stream: true };
    const held = await call('/v1/chat/completions', { key: tenant.api_key, body, headers: { 'x-session-id': 'held' } });
    expect(held.status).toBe(200);
    const { reader } = await readFirstText(held);
    const refused = await call('/v1/chat/completions', { key: tenant.api_key, body: await chat(), headers: { 'x-session-id': 'other' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await errorOf(refused)).toMatchObject({ type: 'rate_limit_error', code: 'concurrency_limit_exceeded' });
    // Another tenant is not affected.
    expect((await call('/v1/chat/completions', { key: DEV_KEY, body: await chat() })).status).toBe(200);
    while (!(await reader.read()).done);
    expect((await call('/v1/chat/completions', { key: tenant.api_key, body: await chat(), headers: { 'x-session-id': 'other' } })).status).toBe(200);
  });

  it('serves 8 concurrent conversations x 2 turns, twice the turns admitted at once, each as it would alone', async () => {
    const tenant = await createTenant('crowd');
    const first = [{ role: 'user' as const, content: 'Once upon a time, there was a big red ball.' }];
    const alone = await chatTurn(tenant.api_key, `alone-${crypto.randomUUID()}`, first);
    const replies = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const id = `crowd-${i}-${crypto.randomUUID()}`;
        const one = await chatTurn(tenant.api_key, id, first);
        const reply = one.body.choices[0]!.message.content;
        const two = await chatTurn(tenant.api_key, id, [...first, { role: 'assistant', content: reply }, { role: 'user', content: 'One day' }]);
        expect(two.body.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(0);
        return reply;
      }),
    );
    expect(replies).toEqual(Array.from({ length: 8 }, () => alone.body.choices[0]!.message.content));
    expect(DEFAULT_ADMISSION.maxActive).toBeLessThan(8);
  });

  it('rejects a bad max_concurrent in the tenant config', async () => {
    const response = await call('/admin/tenants', { key: ADMIN, body: { name: 'bad', config: { max_concurrent: 0 } } });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).param).toBe('config.max_concurrent');
  });

  it('/readyz reports the loaded model, its runtime and the turn queue; /healthz answers without a model', async () => {
    const ready = await call('/readyz');
    expect(ready.status).toBe(200);
    // The entry hands workerd the fused kernel's precompiled module, so `auto` (wrangler.toml BACKEND) runs it.
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      models: [await servedModel(DEV_KEY)],
      backend: 'kernel',
      turns: { max_active: DEFAULT_ADMISSION.maxActive, max_queued: DEFAULT_ADMISSION.maxQueued },
    });
    expect(await (await call('/healthz')).json()).toEqual({ status: 'ok' });
  });
});

describe('memory', () => {
  it('keeps the isolate KV caches within the configured budget, counting caches as they grow', async () => {
    const id = `budget-${crypto.randomUUID()}`;
    await chatTurn(DEV_KEY, id, [{ role: 'user', content: 'Once upon a time' }]);
    const budget = await sessionStub('dev', id).kvBudget();
    expect(budget.max_bytes).toBe(48 * 2 ** 20); // wrangler.toml KV_BUDGET_MB
    expect(budget.bytes).toBeGreaterThan(0);
    expect(budget.bytes).toBeLessThanOrEqual(budget.max_bytes);
    expect((await sessionStub('dev', id).state()).cached).toBe(true);
  });
});

describe('floods of unknown keys', () => {
  it('are throttled without reaching the tenant store, while a valid key keeps working', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 80; i++) {
      const response = await call('/v1/models', { key: `sk-ce-flood-${i}-${crypto.randomUUID()}` });
      statuses.push(response.status);
      const error = await errorOf(response);
      expect(error.code).toBe(response.status === 429 ? 'auth_throttled' : 'invalid_api_key');
      if (response.status === 429) expect(response.headers.get('retry-after')).toBe('1');
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect((await call('/v1/models', { key: DEV_KEY })).status).toBe(200);
  });
});

describe('request fields that used to slip through', () => {
  it.each([
    ['a denormal temperature', { temperature: 1e-310 }, 'temperature'],
    ['a tiny temperature', { temperature: 1e-9 }, 'temperature'],
    ['a logit bias on __proto__', { logit_bias: JSON.parse('{"__proto__": 100}') as unknown }, 'logit_bias'],
  ])('400 for %s', async (_what, extra, param) => {
    // JSON.parse made "__proto__" an own key, which JSON.stringify writes out again as the attack sends it.
    const raw = JSON.stringify({ ...(await chat()), ...extra });
    if (param === 'logit_bias') expect(raw).toContain('"logit_bias":{"__proto__":100}');
    const response = await call('/v1/chat/completions', { key: DEV_KEY, body: raw });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'invalid_body', param });
  });

  it('refuses suffix on /v1/completions (it would change the answer), accepts an empty one', async () => {
    const model = await servedModel(DEV_KEY);
    const refused = await call('/v1/completions', { key: DEV_KEY, body: { model, prompt: 'Once', suffix: ' the end.', max_tokens: 2 } });
    expect(refused.status).toBe(400);
    expect((await errorOf(refused)).param).toBe('suffix');
    expect((await call('/v1/completions', { key: DEV_KEY, body: { model, prompt: 'Once', suffix: '', max_tokens: 2 } })).status).toBe(200);
  });

  it('refuses allowed_modes that name a mode twice', async () => {
    const response = await call('/admin/tenants', { key: ADMIN, body: { name: 'dup', config: { allowed_modes: ['ar', 'ar'] } } });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).param).toBe('config.allowed_modes');
  });

  it('decodes a gzip body, refuses a gzip bomb (413), broken gzip (400) and other encodings (415)', async () => {
    const body = JSON.stringify(await chat());
    const ok = await fetchRaw('/v1/chat/completions', await gzip(body), { 'content-encoding': 'gzip' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { object: string }).object).toBe('chat.completion');

    const bomb = await gzip(`{"model":"x","pad":"${' '.repeat(2 * 1024 * 1024)}"}`);
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    const tooBig = await fetchRaw('/v1/chat/completions', bomb, { 'content-encoding': 'gzip' });
    expect(tooBig.status).toBe(413);
    expect((await errorOf(tooBig)).code).toBe('payload_too_large');

    const broken = await fetchRaw('/v1/chat/completions', new Uint8Array([31, 139, 8, 0, 1, 2, 3]), { 'content-encoding': 'gzip' });
    expect(broken.status).toBe(400);
    expect((await errorOf(broken)).code).toBe('invalid_body_encoding');

    const brotli = await fetchRaw('/v1/chat/completions', body, { 'content-encoding': 'br' });
    expect(brotli.status).toBe(415);
    expect(await errorOf(brotli)).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_content_encoding' });
  });

  it('a busy session answers 409 with Retry-After', async () => {
    const id = `busy-${crypto.randomUUID()}`;
    const held = await call('/v1/chat/completions', { key: DEV_KEY, body: { ...(await chat()), max_tokens: 64, stream: true }, headers: { 'x-session-id': id } });
    const { reader } = await readFirstText(held);
    const busy = await call('/v1/chat/completions', { key: DEV_KEY, body: await chat(), headers: { 'x-session-id': id } });
    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('1');
    while (!(await reader.read()).done);
  });
});
