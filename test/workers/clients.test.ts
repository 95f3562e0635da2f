/**
 * What real clients call besides chat completions, in workerd: models.retrieve, the SDK's preflight,
 * LangChain's batched prompts, the provenance extension, aborted turns in the metrics, and the playground.
 */
import { describe, expect, it } from 'vitest';
import { turnAccount } from '../../workers/openai/turn-account';
import type { TurnEvent } from '../../workers/sessions/turn';
import type { TurnUsage } from '../../workers/tenants/usage';
import { call, callWorker, createTenant, DEV_KEY, errorOf } from './support/http';
import { eventually, servedModel } from './support/sessions';
import { parseSse, readFirstText, type Chunk } from './support/sse';

const STORY = 'Once upon a time, there was a little girl named Lily.';

describe('GET /v1/models/:id', () => {
  it('retrieves the served model, and 404s an unknown one in OpenAI’s shape', async () => {
    const id = await servedModel(DEV_KEY);
    const found = await call(`/v1/models/${encodeURIComponent(id)}`, { key: DEV_KEY });
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ id, object: 'model', owned_by: 'cerberus-edge' });
    const missing = await call('/v1/models/gpt-9', { key: DEV_KEY });
    expect(missing.status).toBe(404);
    expect(await errorOf(missing)).toMatchObject({ code: 'model_not_found', param: 'model' });
  });

  it('names the /v1 routes for an unknown path under /v1', async () => {
    const response = await call('/v1/embeddings', { key: DEV_KEY, body: {} });
    expect(response.status).toBe(404);
    const error = await errorOf(response);
    expect(error.message).toContain('POST /v1/responses');
    expect(error.message).not.toContain('The API lives under /v1');
  });
});

describe('CORS for the openai SDK', () => {
  it('allows the x-stainless-* headers the SDK sends from a browser', async () => {
    const asked = 'authorization, content-type, x-stainless-os, x-stainless-lang, x-stainless-package-version, x-stainless-runtime, x-stainless-runtime-version, x-stainless-arch, x-stainless-retry-count, x-stainless-timeout';
    const response = await call('/v1/responses', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': asked },
    });
    expect(response.status).toBe(204);
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
    for (const header of asked.split(',').map((h) => h.trim())) expect(allowed).toContain(header);
  });
});

describe('POST /v1/completions with several prompts', () => {
  const completion = async (body: Record<string, unknown>) =>
    call('/v1/completions', { key: DEV_KEY, body: { model: await servedModel(DEV_KEY), temperature: 0, max_tokens: 10, ...body } });

  it('answers one choice per prompt, in order, each the text that prompt gets alone', async () => {
    const prompts = ['Tom had a red ball.', 'The sun was hot.', STORY];
    const response = await completion({ prompt: prompts });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      choices: { index: number; text: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(body.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    let completionTokens = 0;
    for (const [i, prompt] of prompts.entries()) {
      const alone = (await (await completion({ prompt })).json()) as { choices: { text: string }[]; usage: { completion_tokens: number } };
      expect(body.choices[i]!.text).toBe(alone.choices[0]!.text);
      completionTokens += alone.usage.completion_tokens;
    }
    expect(body.usage.completion_tokens).toBe(completionTokens);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('refuses a streamed batch, a pinned session and non-string prompts with a clear message', async () => {
    const streamed = await completion({ prompt: ['a', 'b'], stream: true });
    expect(streamed.status).toBe(400);
    expect((await errorOf(streamed)).message).toContain('one prompt per request');
    const pinned = await completion({ prompt: ['a', 'b'], session_id: 'batch' });
    expect(await errorOf(pinned)).toMatchObject({ code: 'unsupported_batch' });
    const ids = await completion({ prompt: [1, 2, 3] });
    expect((await errorOf(ids)).message).toContain('array of 1 to 16 strings');
  });
});

interface Provenance {
  tokens: { text: string; from: number }[];
  steps: { kind: 'ar' | 'parallel' | 'draft'; tokens: number; entropy: number | null; threshold: number | null; tree_size: number }[];
}

async function streamChat(extra: Record<string, unknown>): Promise<Chunk[]> {
  const response = await call('/v1/chat/completions', {
    key: DEV_KEY,
    body: { model: await servedModel(DEV_KEY), messages: [{ role: 'user', content: STORY }], temperature: 0, max_tokens: 40, stream: true, ...extra },
  });
  expect(response.status).toBe(200);
  return parseSse(await response.text()).chunks;
}

const contentChunks = (chunks: Chunk[]) => chunks.filter((c) => (c.choices[0]?.delta?.content ?? '').length > 0);

describe('token provenance (cerberus.provenance)', () => {
  it('tells per chunk where each token came from; the spans add up to the text and the steps to the tokens', async () => {
    const chunks = await streamChat({ cerberus: { mode: 'cerberus', gate: false, provenance: true } });
    const content = contentChunks(chunks);
    expect(content.length).toBeGreaterThan(0);
    const sources = new Set<number>();
    let stepTokens = 0;
    for (const chunk of content) {
      const p = chunk.cerberus as unknown as Provenance;
      expect(p.tokens.map((t) => t.text).join('')).toBe(chunk.choices[0]!.delta!.content);
      for (const t of p.tokens) {
        // 0 base model, k head k, -1 a draft copied from the context
        expect(Number.isInteger(t.from) && t.from >= -1 && t.from <= 4).toBe(true);
        sources.add(t.from);
      }
      for (const step of p.steps) {
        stepTokens += step.tokens;
        if (step.kind !== 'ar') expect(step.threshold).toBeNull(); // gate off: nothing decided
      }
    }
    const usage = chunks.at(-1)!.usage!;
    expect(stepTokens).toBe(usage.completion_tokens);
    expect(sources.has(0)).toBe(true);
    expect([...sources].some((s) => s >= 1)).toBe(true); // the fixture's heads get tokens accepted
  });

  it('in AR mode every token is the base model’s and every step plain', async () => {
    const content = contentChunks(await streamChat({ cerberus: { mode: 'ar', provenance: true } }));
    for (const chunk of content) {
      const p = chunk.cerberus as unknown as Provenance;
      expect(p.tokens.every((t) => t.from === 0)).toBe(true);
      expect(p.steps.every((s) => s.kind === 'ar' && s.tokens === 1 && s.entropy === null)).toBe(true);
    }
  });

  it('with the gate, each step names the threshold it was decided against', async () => {
    const content = contentChunks(await streamChat({ cerberus: { mode: 'medusa', gate: true, provenance: true } }));
    const steps = content.flatMap((c) => (c.cerberus as unknown as Provenance).steps);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.every((s) => typeof s.threshold === 'number' && typeof s.entropy === 'number')).toBe(true);
  });

  it('is off unless asked for: content chunks then carry no cerberus field', async () => {
    const content = contentChunks(await streamChat({ cerberus: { mode: 'cerberus' } }));
    expect(content.every((c) => c.cerberus === undefined)).toBe(true);
  });
});

interface Metrics {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  gate: { steps: number };
}

describe('metrics of turns that do not finish', () => {
  it('counts a turn whose client went away mid-stream: the request, its prompt and the tokens it got', async () => {
    const tenant = await createTenant('leaver');
    const client = new AbortController();
    const streaming = await callWorker('/v1/chat/completions', {
      key: tenant.api_key,
      signal: client.signal,
      body: { model: await servedModel(tenant.api_key), messages: [{ role: 'user', content: STORY }], temperature: 0, max_tokens: 256, stream: true },
    });
    expect(streaming.status).toBe(200);
    await readFirstText(streaming);
    client.abort();
    const read = async () => (await (await call('/v1/metrics', { key: tenant.api_key })).json()) as Metrics;
    const metrics = await eventually(read, (m) => m.requests === 1);
    expect(metrics.requests).toBe(1);
    expect(metrics.prompt_tokens).toBeGreaterThan(0);
    expect(metrics.completion_tokens).toBeGreaterThan(0);
    expect(metrics.completion_tokens).toBeLessThan(256);
    expect(metrics.gate.steps).toBeGreaterThan(0);
  });

  it('accounts a turn that fails part-way from what it delivered, once', () => {
    const recorded: TurnUsage[] = [];
    let clock = 0;
    const account = turnAccount(() => (clock += 10), (usage) => recorded.push(usage));
    const events: TurnEvent[] = [
      { type: 'text', text: 'Once', trace: { spans: [{ text: 'Once', from: 0 }], steps: [{ kind: 'ar', tokens: 1, entropy: 3, threshold: 2, tree_size: 1 }], prompt_tokens: 7 } },
      {
        type: 'text',
        text: ' upon a',
        trace: { spans: [{ text: ' upon', from: 0 }, { text: ' a', from: 1 }], steps: [{ kind: 'parallel', tokens: 2, entropy: 1, threshold: 2, tree_size: 8 }] },
      },
      { type: 'text', text: ' time', trace: { spans: [{ text: ' time', from: 0 }], steps: [{ kind: 'parallel', tokens: 1, entropy: 1, threshold: 2, tree_size: 8 }] } },
      { type: 'error', error: { status: 500, code: 'internal_error', message: 'boom' } },
    ];
    for (const event of events) account.observe(event);
    account.settle();
    account.settle();
    expect(recorded).toEqual([
      {
        prompt_tokens: 7,
        cached_tokens: 0,
        completion_tokens: 4,
        steps: 3,
        ar_steps: 1,
        parallel_steps: 2,
        zero_accept_steps: 1,
        accepted_extra_tokens: 1,
        wall_ms: 10,
      },
    ]);
  });
});

describe('GET / (playground)', () => {
  it('serves the page without a key, locked to its own origin by its CSP', async () => {
    const response = await call('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await response.text();
    expect(html).toContain('cerberus-edge playground');
    expect(html).toContain('provenance: true');
  });
});
