/** One contract for every SessionStore: run against SessionDO (through the Worker's RPC) and the in-memory store. */
import { expect, it } from 'vitest';
import type { SessionKey, SessionStore, TurnEvent, TurnRequest } from '../../workers/sessions/turn';
import { DEFAULT_TENANT_CONFIG, gatePolicyOf } from '../../workers/tenants/config';

const turn = (prompt: TurnRequest['prompt'], maxTokens = 12): TurnRequest => ({
  prompt,
  generate: { maxTokens, sampling: { kind: 'greedy' }, stop: [], mode: 'cerberus', gate: true, drafts: true, treeBudget: 16 },
  session: { headKind: 'cerberus', gatePolicy: gatePolicyOf(DEFAULT_TENANT_CONFIG.gate) },
});
const chat = (content: string, maxTokens?: number) => turn({ kind: 'chat', messages: [{ role: 'user', content }] }, maxTokens);
const FIRST = 'Once upon a time, there was a big red ball.';
const key = (tenantId = 'contract'): SessionKey => ({ tenantId, sessionId: `s-${crypto.randomUUID()}` });

/** What a store asked to keep alive past the request (`SessionStore.startTurn`'s `background`). */
const kept: Promise<unknown>[] = [];
const keep = (task: Promise<unknown>) => void kept.push(task);

async function readAll(events: ReadableStream<TurnEvent>): Promise<{ text: string; last: TurnEvent | undefined }> {
  let text = '';
  let last: TurnEvent | undefined;
  for await (const event of events) {
    if (event.type === 'text') text += event.text;
    last = event;
  }
  return { text, last };
}

async function finished(store: SessionStore, at: SessionKey, request: TurnRequest) {
  const started = await store.startTurn(at, request, keep);
  if (!started.ok) throw new Error(`turn refused: ${JSON.stringify(started.error)}`);
  const { text, last } = await readAll(started.events);
  if (last?.type !== 'done') throw new Error(`turn ended with ${JSON.stringify(last)}`);
  return { text, done: last };
}

/** `cancelsInBackground`: the store sends its cancel as a request of its own (SessionDO over RPC), kept alive past the client's. */
export function sessionStoreContract(makeStore: () => SessionStore, { cancelsInBackground }: { readonly cancelsInBackground: boolean }): void {
  it('streams a turn that ends with its statistics, and reuses the cached prefix on the follow-up', async () => {
    const store = makeStore();
    const at = key();
    const one = await finished(store, at, chat(FIRST));
    expect(one.text.length).toBeGreaterThan(0);
    expect(one.done.stats).toMatchObject({ mode: 'cerberus', gate: true, cached_tokens: 0, completion_tokens: 12 });
    expect(one.done.stats.steps).toBe(one.done.stats.ar_steps + one.done.stats.parallel_steps);
    const follow = turn({ kind: 'chat', messages: [{ role: 'user', content: FIRST }, { role: 'assistant', content: one.text }, { role: 'user', content: 'One day' }] });
    const two = await finished(store, at, follow);
    const firstTurn = one.done.stats.prompt_tokens + one.done.stats.completion_tokens;
    expect(two.done.stats.cached_tokens).toBeGreaterThanOrEqual(firstTurn - 1);
    expect(two.done.stats.cached_tokens).toBeLessThanOrEqual(firstTurn);
  });

  it('keeps tenants apart: the same session id in another tenant starts empty', async () => {
    const store = makeStore();
    const a = key('tenant-a');
    await finished(store, a, chat(FIRST));
    const b = await finished(store, { tenantId: 'tenant-b', sessionId: a.sessionId }, chat(FIRST));
    expect(b.done.stats.cached_tokens).toBe(0);
  });

  it('refuses a second turn while one is generating (409 session_busy, with Retry-After), then serves it', async () => {
    const store = makeStore();
    const at = key();
    const first = await store.startTurn(at, chat(FIRST, 48), keep);
    expect(first.ok).toBe(true);
    const second = await store.startTurn(at, chat(FIRST), keep);
    expect(second).toMatchObject({ ok: false, error: { status: 409, code: 'session_busy' } });
    if (!second.ok) expect(second.error.retryAfterSeconds).toBeGreaterThan(0);
    if (first.ok) await readAll(first.events);
    expect((await finished(store, at, chat(FIRST))).done.stats.completion_tokens).toBe(12);
  });

  it('frees the session when the reader cancels, keeping only what was delivered', async () => {
    const store = makeStore();
    const at = key();
    const started = await store.startTurn(at, chat(FIRST, 200), keep);
    if (!started.ok) throw new Error('refused');
    const reader = started.events.getReader();
    let delivered = '';
    while (delivered.length === 0) {
      const { value } = await reader.read();
      if (value?.type === 'text') delivered += value.text;
    }
    kept.length = 0;
    await reader.cancel();
    // A Worker's invocation may end with the client: the cancel must not depend on it.
    expect(kept).toHaveLength(cancelsInBackground ? 1 : 0);
    await Promise.all(kept);
    // Busy for at most a step after the cancel.
    let next = await store.startTurn(at, chat(FIRST), keep);
    for (let i = 0; !next.ok && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      next = await store.startTurn(at, chat(FIRST), keep);
    }
    if (!next.ok) throw new Error(`still refused after the cancel: ${JSON.stringify(next.error)}`);
    const { last } = await readAll(next.events);
    // The same prompt again: the cache held the prompt and the delivered tokens, so the prompt is reused.
    expect(last).toMatchObject({ type: 'done' });
    if (last?.type === 'done') expect(last.stats.cached_tokens).toBeGreaterThan(0);
  });

  it('forgets an idle conversation (the next turn starts empty), but not one that is generating', async () => {
    const store = makeStore();
    const at = key();
    await finished(store, at, chat(FIRST));
    await store.forget(at);
    expect((await finished(store, at, chat(FIRST))).done.stats.cached_tokens).toBe(0);
    const running = await store.startTurn(at, chat(FIRST, 48), keep);
    if (!running.ok) throw new Error('refused');
    await store.forget(at); // busy: left alone
    await readAll(running.events);
    expect((await finished(store, at, chat(FIRST))).done.stats.cached_tokens).toBeGreaterThan(0);
  });

  it('refuses before any stream: an append to an empty session (404) and a prompt the context cannot hold (400)', async () => {
    const store = makeStore();
    const append = await store.startTurn(key(), turn({ kind: 'append', messages: [{ role: 'user', content: 'And then?' }] }), keep);
    expect(append).toMatchObject({ ok: false, error: { status: 404, code: 'previous_response_not_found' } });
    const long = await store.startTurn(key(), chat('Once upon a time there was a little dog. '.repeat(200)), keep);
    expect(long).toMatchObject({ ok: false, error: { status: 400, code: 'context_length_exceeded', param: 'messages' } });
  });
}
