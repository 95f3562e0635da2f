/** Chat turns against the real Worker, and the stored state of the SessionDO behind them. */
import { env, runInDurableObject } from 'cloudflare:test';
import { sessionObjectName } from '../../../workers/sessions/session-key';
import type { SessionDO } from '../../../workers/cloudflare/session-do';
import { call } from './http';

export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatCompletion {
  id: string;
  object: string;
  model: string;
  choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } };
  cerberus: {
    mode: string;
    gate: boolean;
    steps: number;
    parallel_steps: number;
    draft_steps: number;
    ar_steps: number;
    zero_accept_steps: number;
    mean_accepted_length: number;
    accepted_histogram: number[];
    threshold: number;
  };
}

let modelName: string | undefined;

export async function servedModel(key: string): Promise<string> {
  if (modelName === undefined) {
    const response = await call('/v1/models', { key });
    const body = (await response.json()) as { data: { id: string }[] };
    modelName = body.data[0]!.id;
  }
  return modelName;
}

export async function chatTurn(
  key: string,
  sessionId: string | undefined,
  messages: readonly Message[],
  extra: Record<string, unknown> = {},
): Promise<{ response: Response; body: ChatCompletion }> {
  const response = await call('/v1/chat/completions', {
    key,
    headers: sessionId === undefined ? {} : { 'x-session-id': sessionId },
    body: { model: await servedModel(key), messages, temperature: 0, max_tokens: 24, ...extra },
  });
  if (response.status !== 200) throw new Error(`chat turn: HTTP ${response.status} ${await response.text()}`);
  return { response, body: (await response.json()) as ChatCompletion };
}

export function sessionStub(tenantId: string, sessionId: string): DurableObjectStub<SessionDO> {
  return env.SESSIONS.get(env.SESSIONS.idFromName(sessionObjectName({ tenantId, sessionId })));
}

/**
 * Evicts one session object the way the runtime may at any time: its memory (the KV cache) is gone,
 * its storage stays. The abort rejects the call that triggered it, which is expected.
 */
export async function evict(tenantId: string, sessionId: string): Promise<void> {
  await runInDurableObject(sessionStub(tenantId, sessionId), (_instance, state) => state.abort('evicted by the test')).catch(() => undefined);
}

export function storedSession(tenantId: string, sessionId: string) {
  return runInDurableObject(sessionStub(tenantId, sessionId), (instance: SessionDO) => instance.state());
}

/** Polls until `check` holds: for effects that finish after the response (cancellation, accounting). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
