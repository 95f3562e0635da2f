/**
 * The Node / Deno app in-process with the real model (tiny fixture, onnxruntime-node): the process-wide
 * admission queue, the KV memory budget (dropped caches rebuilt from the log), and readiness when the
 * model folder is broken.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalApp } from '../../workers/entries/local-app';
import { KvBudget } from '../../workers/sessions/kv-budget';
import { FIXTURE_DIR } from './serve-entry';

type App = Awaited<ReturnType<typeof createLocalApp>>;
const KEY = 'sk-local-hardening';
const ADMIN = 'admin-hardening';

interface Completion {
  choices: { message: { content: string } }[];
  usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } };
}

function poster(app: () => App, model: () => string) {
  return (session: string, body: Record<string, unknown>, key = KEY) =>
    app().request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-session-id': session },
      body: JSON.stringify({ model: model(), temperature: 0, max_tokens: 8, ...body }),
    });
}

async function servedModel(app: App): Promise<string> {
  const models = (await (await app.request('/v1/models', { headers: { authorization: `Bearer ${KEY}` } })).json()) as { data: { id: string }[] };
  return models.data[0]!.id;
}

const say = (content: string) => [{ role: 'user', content }];

describe('admission in one process', () => {
  let app: App;
  let model: string;
  const post = poster(() => app, () => model);

  beforeAll(async () => {
    app = await createLocalApp({ modelDir: FIXTURE_DIR, devApiKey: KEY, adminSecret: ADMIN, backend: 'native-cpu', maxActiveTurns: 1, maxQueuedTurns: 1 });
    model = await servedModel(app);
  });

  it('runs one turn, queues one, refuses the next with 503 and Retry-After, then serves the queued one', async () => {
    const running = await post('a', { messages: say('Once upon a time'), max_tokens: 64, stream: true });
    expect(running.status).toBe(200);
    const reader = running.body!.getReader();
    await reader.read();
    const queued = post('b', { messages: say('The sun was hot') });
    await new Promise((r) => setTimeout(r, 50)); // let it reach the queue
    const refused = await post('c', { messages: say('Tom had a toy car') });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: { type: 'server_error', code: 'server_overloaded', param: null } });
    // /healthz is not behind the queue.
    expect((await app.request('/healthz')).status).toBe(200);
    await reader.cancel(); // the client goes away: its slot goes to the queued turn
    const served = await queued;
    expect(served.status).toBe(200);
    expect(((await served.json()) as Completion).usage.completion_tokens).toBeGreaterThan(0);
    expect((await post('c', { messages: say('Tom had a toy car') })).status).toBe(200);
  });
});

describe('the KV memory budget', () => {
  let app: App;
  let model: string;
  // The tiny fixture's cache starts at 64 positions x 2 layers x 4 heads x 16 dims x K,V x 4 bytes = 64 KiB.
  const budget = new KvBudget(3 * 64 * 1024);
  const post = poster(() => app, () => model);

  beforeAll(async () => {
    app = await createLocalApp({ modelDir: FIXTURE_DIR, devApiKey: KEY, backend: 'native-cpu', kvBudget: budget });
    model = await servedModel(app);
  });

  it('never holds more than the budget, and a dropped cache is rebuilt from the log with the same reply', async () => {
    const first = say('Once upon a time, there was a big red ball.');
    const one = (await (await post('s0', { messages: first })).json()) as Completion;
    const followUp = [...first, { role: 'assistant', content: one.choices[0]!.message.content }, { role: 'user', content: 'One day' }];
    for (let i = 1; i <= 6; i++) {
      expect((await post(`s${i}`, { messages: say(`Story number ${i}.`) })).status).toBe(200);
      expect(budget.bytes).toBeLessThanOrEqual(budget.maxBytes);
    }
    expect(budget.caches).toBeLessThanOrEqual(3);
    // s0's cache was the least recently used: dropped. Its next turn rebuilds it (nothing cached) ...
    const rebuilt = (await (await post('s0', { messages: followUp })).json()) as Completion;
    expect(rebuilt.usage.prompt_tokens_details.cached_tokens).toBe(0);
    // ... and answers exactly as a session that kept its cache all along.
    await post('kept', { messages: first });
    const kept = (await (await post('kept', { messages: followUp })).json()) as Completion;
    expect(kept.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(0);
    expect(rebuilt.choices[0]!.message.content).toBe(kept.choices[0]!.message.content);
    expect(rebuilt.usage.prompt_tokens).toBe(kept.usage.prompt_tokens);
  });
});

describe('readiness with a broken model', () => {
  let dir: string;
  let app: App;
  const logged: unknown[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cerberus-broken-'));
    await cp(FIXTURE_DIR, dir, { recursive: true });
    await writeFile(join(dir, 'manifest.json'), '{"format": "cerberus-edge-model/1", "name": ');
    const originalError = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    app = await createLocalApp({ modelDir: dir, devApiKey: KEY, backend: 'native-cpu' });
    afterAll(() => void (console.error = originalError));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('answers /healthz ok, /readyz and completions 503 model_unavailable with Retry-After, and logs why', async () => {
    expect((await app.request('/healthz')).status).toBe(200);
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('30');
    expect(await ready.json()).toMatchObject({ error: { code: 'model_unavailable', type: 'server_error' } });
    const turn = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'any', messages: say('hi') }),
    });
    expect(turn.status).toBe(503);
    expect(await turn.json()).toMatchObject({ error: { code: 'model_unavailable' } });
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(String(logged[0])).toMatch(/JSON|Unexpected|manifest/i);
  });
});
