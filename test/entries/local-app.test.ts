/**
 * The Node / Deno app in-process (app.request): the in-memory session store must keep the same promises
 * as SessionDO — prefix reuse, one turn at a time, a client abort ending the turn with what it emitted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalApp, serveOptions } from '../../workers/entries/local-app';
import { FIXTURE_DIR } from './serve-entry';

type App = Awaited<ReturnType<typeof createLocalApp>>;
const KEY = 'sk-local-test';
const FIRST = [{ role: 'user', content: 'Once upon a time, there was a big red ball.' }];

interface Completion {
  choices: { message: { content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } };
}

describe('local app (in-memory stores)', () => {
  let app: App;
  let model: string;
  const post = (session: string, body: Record<string, unknown>, signal?: AbortSignal) =>
    app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-session-id': session },
      body: JSON.stringify({ model, temperature: 0, max_tokens: 16, ...body }),
      ...(signal ? { signal } : {}),
    });

  beforeAll(async () => {
    app = await createLocalApp({ modelDir: FIXTURE_DIR, devApiKey: KEY, backend: 'native-cpu' });
    const models = (await (await app.request('/v1/models', { headers: { authorization: `Bearer ${KEY}` } })).json()) as { data: { id: string }[] };
    model = models.data[0]!.id;
  });

  it('takes turn after turn on one session, reusing the cached prefix', async () => {
    const one = (await (await post('reuse', { messages: FIRST })).json()) as Completion;
    const reply = one.choices[0]!.message.content;
    const second = await post('reuse', { messages: [...FIRST, { role: 'assistant', content: reply }, { role: 'user', content: 'One day' }] });
    expect(second.status).toBe(200);
    const two = (await second.json()) as Completion;
    const firstTurn = one.usage.prompt_tokens + one.usage.completion_tokens;
    expect(two.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(firstTurn - 1);
    expect((await post('reuse', { messages: FIRST })).status).toBe(200);
  });

  it('answers 409 during a turn, and a client abort ends the turn', async () => {
    const client = new AbortController();
    const streaming = await post('abort', { messages: FIRST, max_tokens: 256, stream: true }, client.signal);
    const reader = streaming.body!.getReader();
    await reader.read(); // the stream is open: the turn runs
    expect((await post('abort', { messages: FIRST })).status).toBe(409);
    client.abort();
    // The abort stops the engine after its current step; well before the 15 s idle timeout.
    let after = await post('abort', { messages: FIRST });
    for (const started = Date.now(); after.status === 409 && Date.now() - started < 5_000; ) {
      await new Promise((r) => setTimeout(r, 50));
      after = await post('abort', { messages: FIRST });
    }
    expect(after.status).toBe(200);
    const body = (await after.json()) as Completion;
    // The aborted turn kept its prompt in the cache: the same prompt is served from it.
    expect(body.usage.prompt_tokens_details.cached_tokens).toBe(body.usage.prompt_tokens - 1);
  });
});

describe('local app on the shipped model\'s int8 variant (CERBERUS_BASE_VARIANT=int8)', () => {
  const SHIPPED = new URL('../../models/tinystories-6m/', import.meta.url).pathname;
  const complete = async (app: App, mode: string) => {
    const res = await app.request('/v1/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tinystories-6m', prompt: 'Once upon a time, there was a little dog named Max. He', temperature: 0, max_tokens: 96, cerberus: { mode, gate: false } }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { choices: { text: string }[] }).choices[0]!.text;
  };

  it('is read from the environment, and every decoding mode reproduces that model\'s AR text', async () => {
    const options = serveOptions((name) => ({ CERBERUS_MODEL_DIR: SHIPPED, CERBERUS_BACKEND: 'native-cpu', CERBERUS_BASE_VARIANT: 'int8' })[name], true);
    expect(options.baseVariant).toBe('int8');
    const app = await createLocalApp({ ...options, devApiKey: KEY });
    const ar = await complete(app, 'ar');
    expect(ar.length).toBeGreaterThan(100);
    expect(await complete(app, 'cerberus')).toBe(ar);
    expect(await complete(app, 'medusa')).toBe(ar);
  }, 60_000);

  it('reads CERBERUS_THREADS as a whole number of threads, and refuses anything else at start', () => {
    const env = (threads: string) => (name: string) => ({ CERBERUS_THREADS: threads })[name];
    expect(serveOptions(env('2'), true).threads).toBe(2);
    expect(serveOptions(() => undefined, true).threads).toBeUndefined();
    for (const bad of ['0', '1.5', 'two', '-1']) expect(() => serveOptions(env(bad), true)).toThrow(`CERBERUS_THREADS=${bad}`);
  });

  it('a variant the manifest does not list fails at start, naming the ones it has', async () => {
    await expect(createLocalApp({ modelDir: SHIPPED, backend: 'native-cpu', baseVariant: 'int4', devApiKey: KEY })).rejects.toMatchObject({
      code: 'invalid-options',
      message: expect.stringContaining('"int4" is not in this model\'s manifest (has: int8)'),
    });
  });
});
