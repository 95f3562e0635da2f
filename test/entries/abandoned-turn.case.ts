/** A turn the official client abandons mid-stream is still counted in the tenant's metrics. */
import OpenAI from 'openai';
import { expect, it } from 'vitest';

interface Metrics {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  gate: { steps: number };
}

export function abandonedTurnTest(baseUrl: () => string): void {
  it('/v1/metrics counts a turn the openai SDK abandoned mid-stream', async () => {
    // A tenant of its own, so no other turn lands in its totals.
    const created = await fetch(`${baseUrl()}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-admin-secret', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'abandoner' }),
    });
    expect(created.status).toBe(201);
    const { api_key: apiKey } = (await created.json()) as { api_key: string };
    const client = new OpenAI({ baseURL: `${baseUrl()}/v1`, apiKey, maxRetries: 0 });
    const model = (await client.models.list()).data[0]!.id;
    const messages = [{ role: 'user' as const, content: 'Once upon a time, there was a big red bus.' }];
    const stream = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 256, stream: true });
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) break; // leaving the loop aborts the request

    const deadline = Date.now() + 20_000;
    let metrics: Metrics | undefined;
    while (Date.now() < deadline) {
      metrics = (await (await fetch(`${baseUrl()}/v1/metrics`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as Metrics;
      if (metrics.requests > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(metrics?.requests).toBe(1);
    expect(metrics?.prompt_tokens).toBeGreaterThan(0);
    expect(metrics?.completion_tokens).toBeGreaterThan(0);
    expect(metrics?.completion_tokens).toBeLessThan(256);
    expect(metrics?.gate.steps).toBeGreaterThan(0);
  });
}
