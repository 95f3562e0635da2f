import { describe, expect, it } from 'vitest';
import { ADMIN, call, createTenant } from './support/http';
import { chatTurn, eventually, type Message } from './support/sessions';

const STORY: Message[] = [{ role: 'user', content: 'Sam had a small boat.' }];

interface Metrics {
  tenant_id: string;
  requests: number;
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
  tokens_per_second: number | null;
  mean_accepted_length: number | null;
  gate: { steps: number; parallel_steps: number; ar_steps: number; parallel_share: number | null };
}

describe('metrics', () => {
  it('adds up each tenant’s turns: tokens/s, mean accepted length, gate share', async () => {
    const tenant = await createTenant('measured');
    const quiet = await createTenant('quiet');
    const turns = [await chatTurn(tenant.api_key, undefined, STORY), await chatTurn(tenant.api_key, undefined, STORY, { cerberus: { mode: 'ar' } })];

    const read = async (key: string, path = '/v1/metrics') => (await (await call(path, { key })).json()) as Metrics;
    const metrics = await eventually(() => read(tenant.api_key), (m) => m.requests === 2);
    const tokens = turns.reduce((sum, t) => sum + t.body.usage.completion_tokens, 0);
    const promptTokens = turns.reduce((sum, t) => sum + t.body.usage.prompt_tokens, 0);
    const cachedTokens = turns.reduce((sum, t) => sum + t.body.usage.prompt_tokens_details.cached_tokens, 0);
    const steps = turns.reduce((sum, t) => sum + t.body.cerberus.steps, 0);
    const parallel = turns.reduce((sum, t) => sum + t.body.cerberus.parallel_steps, 0);
    expect(metrics).toMatchObject({ tenant_id: tenant.id, requests: 2, completion_tokens: tokens, prompt_tokens: promptTokens, cached_tokens: cachedTokens });
    expect(metrics.gate).toMatchObject({ steps, parallel_steps: parallel, ar_steps: steps - parallel, parallel_share: parallel / steps });
    expect(metrics.mean_accepted_length).toBeCloseTo(tokens / steps, 10);
    expect(metrics.tokens_per_second).toBeGreaterThan(0);

    expect(await read(ADMIN, `/admin/tenants/${tenant.id}/metrics`)).toEqual(metrics);
    expect((await read(quiet.api_key)).requests).toBe(0);
  });
});
