/** SessionDO: prefix reuse, eviction and rebuild, tenant isolation, concurrency, cancellation, storage. */
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, callWorker, createTenant, DEV_KEY, errorOf } from './support/http';
import { chatTurn, evict, eventually, servedModel, sessionStub, storedSession, type Message } from './support/sessions';
import { readFirstText } from './support/sse';
import { SESSION_IDLE_TTL_MS } from '../../workers/tenants/session-registry';

const FIRST: Message[] = [{ role: 'user', content: 'Once upon a time, there was a big red ball.' }];
const followUp = (reply: string): Message[] => [...FIRST, { role: 'assistant', content: reply }, { role: 'user', content: 'One day' }];

describe('a session across turns', () => {
  it('reuses the cached prefix on a follow-up turn', async () => {
    const id = `reuse-${crypto.randomUUID()}`;
    const one = await chatTurn(DEV_KEY, id, FIRST);
    expect(one.response.headers.get('x-session-id')).toBe(id);
    const two = await chatTurn(DEV_KEY, id, followUp(one.body.choices[0]!.message.content));
    // The first turn comes from the KV cache: all of it, or all but the last reply token when no
    // forward pass has computed that token's K/V yet (it depends on the kind of the last step).
    const firstTurn = one.body.usage.prompt_tokens + one.body.usage.completion_tokens;
    const cached = two.body.usage.prompt_tokens_details.cached_tokens;
    expect(cached).toBeGreaterThanOrEqual(firstTurn - 1);
    expect(cached).toBeLessThanOrEqual(firstTurn);
    const stored = await storedSession('dev', id);
    expect(stored.tokens).toHaveLength(two.body.usage.prompt_tokens + two.body.usage.completion_tokens);
    expect(stored.turns.map((t) => t.finish_reason)).toEqual([one.body.choices[0]!.finish_reason, two.body.choices[0]!.finish_reason]);
  });

  it('rebuilds from its log after eviction and loses nothing', async () => {
    const kept = `kept-${crypto.randomUUID()}`;
    const evicted = `evicted-${crypto.randomUUID()}`;
    const keptOne = await chatTurn(DEV_KEY, kept, FIRST);
    const reply = keptOne.body.choices[0]!.message.content;
    const keptTwo = await chatTurn(DEV_KEY, kept, followUp(reply));
    expect(keptTwo.body.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(0);

    const evictedOne = await chatTurn(DEV_KEY, evicted, FIRST);
    expect(evictedOne.body.choices[0]!.message.content).toBe(reply);
    const gateBefore = (await storedSession('dev', evicted)).learnedState!;
    await evict('dev', evicted);
    const evictedTwo = await chatTurn(DEV_KEY, evicted, followUp(reply));

    // The same tokens and the same reply: only the cache had to be recomputed.
    expect(evictedTwo.body.choices[0]!.message.content).toBe(keptTwo.body.choices[0]!.message.content);
    expect(evictedTwo.body.usage.prompt_tokens).toBe(keptTwo.body.usage.prompt_tokens);
    expect(evictedTwo.body.usage.prompt_tokens_details.cached_tokens).toBe(0);
    const [a, b] = await Promise.all([storedSession('dev', kept), storedSession('dev', evicted)]);
    expect(b.tokens).toEqual(a.tokens);
    expect(b.turns).toHaveLength(2);
    // The gate went on from its stored statistics (one observation per heads step: parallel steps that
    // were not drafts copied from the context), not from the model's calibration prior.
    const total = (counts: readonly number[]) => counts.reduce((x, y) => x + y, 0);
    expect(evictedOne.body.cerberus.parallel_steps).toBeGreaterThan(0);
    const headsSteps = evictedTwo.body.cerberus.parallel_steps - evictedTwo.body.cerberus.draft_steps;
    expect(total(b.learnedState!.count)).toBeCloseTo(total(gateBefore.count) + headsSteps, 9);
  });

  it('keeps tenants apart even when they use the same session id', async () => {
    const a = await createTenant('session-a');
    const b = await createTenant('session-b');
    const shared = `shared-${crypto.randomUUID()}`;
    const first = await chatTurn(a.api_key, shared, FIRST);
    const second = await chatTurn(b.api_key, shared, followUp(first.body.choices[0]!.message.content));
    expect(second.body.usage.prompt_tokens_details.cached_tokens).toBe(0);
    const [storedA, storedB] = await Promise.all([storedSession(a.id, shared), storedSession(b.id, shared)]);
    expect(storedA.turns).toHaveLength(1);
    expect(storedB.turns).toHaveLength(1);
    expect(storedB.tokens.length).toBeGreaterThan(storedA.tokens.length);
  });
});

describe('conversations per tenant', () => {
  it('past max_sessions forgets the least recently used conversation (its log deleted) and refuses nothing', async () => {
    const tenant = await createTenant('capped', { max_sessions: 2 });
    const one = await chatTurn(tenant.api_key, 'cap-1', FIRST);
    await chatTurn(tenant.api_key, 'cap-2', FIRST);
    await chatTurn(tenant.api_key, 'cap-1', followUp(one.body.choices[0]!.message.content)); // cap-2 is now the oldest
    expect((await storedSession(tenant.id, 'cap-2')).tokens.length).toBeGreaterThan(0);
    expect((await chatTurn(tenant.api_key, 'cap-3', FIRST)).response.status).toBe(200);
    const forgotten = await eventually(() => storedSession(tenant.id, 'cap-2'), (stored) => stored.tokens.length === 0);
    expect(forgotten.tokens).toEqual([]);
    expect(forgotten.turns).toEqual([]);
    expect((await storedSession(tenant.id, 'cap-1')).turns).toHaveLength(2);
    // A forgotten conversation sent whole again is served, from a prefill instead of the cache.
    const back = await chatTurn(tenant.api_key, 'cap-2', FIRST);
    expect(back.body.usage.prompt_tokens_details.cached_tokens).toBe(0);
    // Another tenant's sessions are not affected.
    expect((await chatTurn(DEV_KEY, 'cap-2', FIRST)).response.status).toBe(200);
  });
});

describe('concurrency and cancellation', () => {
  it('answers 409 while generating; a cancelled stream stops the generation and keeps the emitted tokens', async () => {
    const id = `cancel-${crypto.randomUUID()}`;
    const client = new AbortController();
    const streaming = await callWorker('/v1/chat/completions', {
      key: DEV_KEY,
      signal: client.signal,
      headers: { 'x-session-id': id },
      body: { model: await servedModel(DEV_KEY), messages: FIRST, temperature: 0, max_tokens: 256, stream: true },
    });
    expect(streaming.status).toBe(200);
    const { text } = await readFirstText(streaming);

    const conflict = await call('/v1/chat/completions', {
      key: DEV_KEY,
      headers: { 'x-session-id': id },
      body: { model: await servedModel(DEV_KEY), messages: FIRST },
    });
    expect(conflict.status).toBe(409);
    expect(await errorOf(conflict)).toMatchObject({ type: 'conflict_error', code: 'session_busy' });

    client.abort(); // the client goes away mid-stream
    const stored = await eventually(() => storedSession('dev', id), (s) => s.turns.length === 1);
    const turn = stored.turns[0]!;
    expect(turn.finish_reason).toBe('abort');
    expect(turn.completion_tokens).toBeGreaterThan(0);
    expect(turn.completion_tokens).toBeLessThan(256);
    expect(stored.tokens).toHaveLength(turn.prompt_tokens + turn.completion_tokens);

    // Consistent afterwards: the session takes the next turn, building on exactly the kept tokens.
    const next = await chatTurn(DEV_KEY, id, FIRST);
    expect(next.body.usage.prompt_tokens_details.cached_tokens).toBe(turn.prompt_tokens - 1);
    expect(text.length).toBeGreaterThan(0);
  });

  it('cancels a turn nobody reads any more after TURN_IDLE_TIMEOUT_MS, keeping what was emitted', async () => {
    const id = `idle-${crypto.randomUUID()}`;
    const streaming = await call('/v1/chat/completions', {
      key: DEV_KEY,
      headers: { 'x-session-id': id },
      body: { model: await servedModel(DEV_KEY), messages: FIRST, temperature: 0, max_tokens: 256, stream: true },
    });
    const { reader } = await readFirstText(streaming); // then stop reading, without cancelling
    const stored = await eventually(() => storedSession('dev', id), (s) => s.turns.length === 1, 30_000);
    expect(stored.turns[0]).toMatchObject({ finish_reason: 'abort' });
    expect(stored.tokens).toHaveLength(stored.turns[0]!.prompt_tokens + stored.turns[0]!.completion_tokens);
    expect((await chatTurn(DEV_KEY, id, FIRST)).response.status).toBe(200);
    await reader.cancel();
  });

  it('keeps the tree acceptance estimates through eviction, even across a turn that does not use them', async () => {
    const id = `estimates-${crypto.randomUUID()}`;
    const storedEstimates = () =>
      runInDurableObject(sessionStub('dev', id), (_instance, state) => {
        const [row] = state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'gate_state'").toArray();
        return (JSON.parse(row!.value) as { estimates?: Record<string, { trials: number[][] }> }).estimates;
      });
    await chatTurn(DEV_KEY, id, FIRST, { cerberus: { mode: 'cerberus', gate: false } }); // every step parallel
    const learnt = await storedEstimates();
    expect(learnt?.['cerberus']?.trials[0]?.[0]).toBeGreaterThan(20); // the prior counts as 20 trials
    await evict('dev', id);
    await chatTurn(DEV_KEY, id, FIRST, { cerberus: { mode: 'ar' } });
    expect(await storedEstimates()).toEqual(learnt);
  });

  it('continues a session whose gate state was stored as version 1 (before sumExpected), storing version 2', async () => {
    const id = `gate-v1-${crypto.randomUUID()}`;
    await chatTurn(DEV_KEY, id, FIRST);
    await runInDurableObject(sessionStub('dev', id), (_instance, state) => {
      const [row] = state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'gate_state'").toArray();
      const { sumExpected: _dropped, ...v1 } = JSON.parse(row!.value) as Record<string, unknown>;
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'gate_state'", JSON.stringify({ ...v1, version: 1 }));
    });
    await evict('dev', id);
    const { response } = await chatTurn(DEV_KEY, id, FIRST);
    expect(response.status).toBe(200);
    await runInDurableObject(sessionStub('dev', id), (_instance, state) => {
      const [row] = state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'gate_state'").toArray();
      const stored = JSON.parse(row!.value) as { version: number; sumExpected: number[]; count: number[] };
      expect(stored.version).toBe(2);
      expect(stored.sumExpected).toHaveLength(stored.count.length);
    });
  });

  it('recovers from a corrupt stored gate state: the turn runs from the prior, the conversation intact', async () => {
    const id = `corrupt-${crypto.randomUUID()}`;
    const first = await chatTurn(DEV_KEY, id, FIRST);
    await runInDurableObject(sessionStub('dev', id), (_instance, state) => {
      state.storage.sql.exec("UPDATE meta SET value = '{\"version\": 7}' WHERE key = 'gate_state'");
    });
    await evict('dev', id);
    // The gate state steers speed only: the same prompt gives the same greedy text (chatTurn: 200 or throws).
    const again = await chatTurn(DEV_KEY, id, FIRST);
    expect(again.body.choices[0]!.message.content).toBe(first.body.choices[0]!.message.content);
    expect((await storedSession('dev', id)).learnedState).not.toBeNull(); // a valid state was stored again
  });
});

describe('the idle alarm', () => {
  // Armed by the first turn only (a storage write per turn is an fsync on the isolate's thread locally);
  // when it fires it measures the idle time from the last turn, so a session in use is kept.
  it('is armed once; firing early re-arms it from the last turn; firing after the idle time forgets', async () => {
    const id = `idle-${crypto.randomUUID()}`;
    const stub = sessionStub('dev', id);
    const first = await chatTurn(DEV_KEY, id, FIRST);
    const armed = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(armed).toBeGreaterThan(Date.now() + SESSION_IDLE_TTL_MS - 60_000);
    await chatTurn(DEV_KEY, id, followUp(first.body.choices[0]!.message.content));
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBe(armed);

    // Fired now: the last turn is recent, so the conversation stays and the alarm moves to last turn + TTL.
    const lastTurnAt = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec<{ at: number }>('SELECT MAX(finished_at) AS at FROM turn_records').one().at,
    );
    await runInDurableObject(stub, (instance) => instance.alarm());
    expect((await storedSession('dev', id)).turns).toHaveLength(2);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBe(lastTurnAt + SESSION_IDLE_TTL_MS);

    // The last turn an idle time ago: the alarm forgets the conversation.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec('UPDATE turn_records SET finished_at = finished_at - ?', SESSION_IDLE_TTL_MS + 1);
    });
    await runInDurableObject(stub, (instance) => instance.alarm());
    const after = await storedSession('dev', id);
    expect(after.turns).toHaveLength(0);
    expect(after.tokens).toHaveLength(0);
  });
});
