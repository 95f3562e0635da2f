/** The same smoke test for every local entry: the shared app answers, with the real engine behind it. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEntry, type RunningEntry } from './serve-entry';

const AUTH = { authorization: 'Bearer sk-dev-local', 'content-type': 'application/json' }; // --dev defaults

export function entrySmokeTest(script: 'start:node' | 'start:deno'): void {
  let entry: RunningEntry;
  beforeAll(async () => {
    entry = await startEntry(script);
  });
  afterAll(async () => entry?.stop());

  it('serves health, models, and the same greedy text streamed and not', async () => {
    expect((await fetch(`${entry.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${entry.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${entry.url}/`)).headers.get('content-type')).toContain('text/html'); // the playground
    const models = (await (await fetch(`${entry.url}/v1/models`, { headers: AUTH })).json()) as { data: { id: string }[] };
    const body = { model: models.data[0]!.id, prompt: 'Once upon a time', max_tokens: 12, temperature: 0 };

    const whole = await fetch(`${entry.url}/v1/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
    expect(whole.status).toBe(200);
    const completion = (await whole.json()) as { choices: { text: string }[]; usage: { completion_tokens: number } };
    expect(completion.usage.completion_tokens).toBeGreaterThan(0);

    const streamed = await fetch(`${entry.url}/v1/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify({ ...body, stream: true }) });
    const text = (await streamed.text())
      .split('\n\n')
      .map((event) => event.replace(/^data: /, ''))
      .filter((data) => data.startsWith('{'))
      .map((data) => (JSON.parse(data) as { choices: { text?: string }[] }).choices[0]?.text ?? '')
      .join('');
    expect(text).toBe(completion.choices[0]!.text);
  });
}
