/**
 * The load scenarios, over real HTTP with fetch: concurrent multi-turn streamed conversations, a burst of
 * non-streamed requests with a liveness probe running through it, and many one-turn sessions (memory).
 */

export interface Client {
  readonly url: string;
  readonly key: string;
  readonly model: string;
}

/** Counts answers by HTTP status; a 200 stream that ends in an error event counts as "stream_error". */
export class Outcomes {
  readonly byStatus = new Map<string, number>();
  /** 429 / 503 answers without a Retry-After header: the target says there must be none. */
  withoutRetryAfter = 0;
  readonly samples: string[] = [];

  add(status: string, detail?: string): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    if (detail !== undefined && this.samples.length < 5) this.samples.push(`${status}: ${detail.slice(0, 200)}`);
  }

  errors(): number {
    let n = 0;
    for (const [status, count] of this.byStatus) if (status !== '200') n += count;
    return n;
  }
}

interface Message {
  role: 'user' | 'assistant';
  content: string;
}

export interface TurnTiming {
  readonly ttftMs: number | null;
  readonly gapsMs: number[];
  readonly completionTokens: number;
}

const PROMPTS = [
  'Once upon a time, there was a little dog named Max.',
  'Lily went to the park with her mom. She saw a big red ball.',
  'Tom had a toy car. He liked to play with it every day.',
  'The sun was hot and the birds were singing in the tall tree.',
];
const FOLLOW_UPS = ['What happened next?', 'Then the little girl said:', 'And the next day,'];

/** One streamed chat turn: time to the first content chunk, the gaps between content chunks, usage. */
export async function streamTurn(client: Client, sessionId: string, messages: readonly Message[], maxTokens: number, outcomes: Outcomes): Promise<{ text: string; timing: TurnTiming } | null> {
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(`${client.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json', 'x-session-id': sessionId },
      body: JSON.stringify({ model: client.model, messages, max_tokens: maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true } }),
    });
  } catch (error) {
    outcomes.add('network_error', String(error));
    return null;
  }
  if (response.status !== 200) {
    if ((response.status === 429 || response.status === 503) && !response.headers.has('retry-after')) outcomes.withoutRetryAfter++;
    outcomes.add(String(response.status), await response.text());
    return null;
  }
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let text = '';
  let ttftMs: number | null = null;
  let last = 0;
  const gapsMs: number[] = [];
  let completionTokens = 0;
  let failed: string | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const data = buffered.slice(0, end).replace(/^data: /, '');
        buffered = buffered.slice(end + 2);
        if (data === '[DONE]') continue;
        const chunk = JSON.parse(data) as {
          error?: { code: string; message: string };
          choices?: { delta?: { content?: string } }[];
          usage?: { completion_tokens: number };
        };
        if (chunk.error) failed = `${chunk.error.code}: ${chunk.error.message}`;
        const content = chunk.choices?.[0]?.delta?.content ?? '';
        if (content.length > 0) {
          const now = performance.now();
          if (ttftMs === null) ttftMs = now - started;
          else gapsMs.push(now - last);
          last = now;
          text += content;
        }
        if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
      }
    }
  } catch (error) {
    outcomes.add('stream_broken', String(error));
    return null;
  }
  if (failed !== null) {
    outcomes.add('stream_error', failed);
    return null;
  }
  outcomes.add('200');
  return { text, timing: { ttftMs, gapsMs, completionTokens } };
}

/** `sessions` conversations at once, each `turns` streamed turns; every follow-up sends the whole conversation. */
export async function conversations(client: Client, sessions: number, turns: number, maxTokens: number, tag: string) {
  const outcomes = new Outcomes();
  const timings: TurnTiming[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: sessions }, async (_, s) => {
      const sessionId = `load-${tag}-${s}`;
      const messages: Message[] = [{ role: 'user', content: PROMPTS[s % PROMPTS.length]! }];
      for (let t = 0; t < turns; t++) {
        const result = await streamTurn(client, sessionId, messages, maxTokens, outcomes);
        if (result === null) return;
        timings.push(result.timing);
        messages.push({ role: 'assistant', content: result.text }, { role: 'user', content: FOLLOW_UPS[t % FOLLOW_UPS.length]! });
      }
    }),
  );
  return { outcomes, timings, wallMs: performance.now() - started };
}

/** `count` non-streamed requests at once (one session each) while /healthz is probed every 50 ms. */
export async function burst(client: Client, count: number, maxTokens: number, tag: string) {
  const outcomes = new Outcomes();
  const healthMs: number[] = [];
  let healthFailures = 0;
  let running = true;
  const probe = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const response = await fetch(`${client.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await response.body?.cancel();
        if (!response.ok) healthFailures++;
      } catch {
        healthFailures++;
      }
      healthMs.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const started = performance.now();
  const latencies: number[] = [];
  let completionTokens = 0;
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const t0 = performance.now();
      try {
        const response = await fetch(`${client.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json', 'x-session-id': `burst-${tag}-${i}` },
          body: JSON.stringify({ model: client.model, messages: [{ role: 'user', content: PROMPTS[i % PROMPTS.length] }], max_tokens: maxTokens, temperature: 0 }),
        });
        const body = await response.text();
        latencies.push(performance.now() - t0);
        if ((response.status === 429 || response.status === 503) && !response.headers.has('retry-after')) outcomes.withoutRetryAfter++;
        if (response.status === 200) completionTokens += (JSON.parse(body) as { usage: { completion_tokens: number } }).usage.completion_tokens;
        outcomes.add(String(response.status), response.status === 200 ? undefined : body);
      } catch (error) {
        outcomes.add('network_error', String(error));
      }
    }),
  );
  const wallMs = performance.now() - started;
  running = false;
  await probe;
  return { outcomes, latencies, healthMs, healthFailures, completionTokens, wallMs };
}

/** `count` sessions of one short turn each, `parallel` at a time: what idle sessions cost in memory. */
export async function manySessions(client: Client, count: number, parallel: number, tag: string) {
  const outcomes = new Outcomes();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < count; i = next++) {
        const response = await fetch(`${client.url}/v1/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json', 'x-session-id': `many-${tag}-${i}` },
          body: JSON.stringify({ model: client.model, prompt: `${PROMPTS[i % PROMPTS.length]} ${i}`, max_tokens: 4, temperature: 0 }),
        }).catch((error: unknown) => error);
        if (!(response instanceof Response)) outcomes.add('network_error', String(response));
        else {
          const body = await response.text();
          outcomes.add(String(response.status), response.status === 200 ? undefined : body);
        }
      }
    }),
  );
  return { outcomes, wallMs: performance.now() - started };
}
