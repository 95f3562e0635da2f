/** Per-tenant usage totals behind the metrics endpoint: sums only, so any store can add them up. */
import { z } from 'zod';
import { turnStatsSchema } from '../sessions/turn-stats';

/** The turn statistics a tenant's totals add up. */
export const USAGE_KEYS = [
  'prompt_tokens', 'cached_tokens', 'completion_tokens', 'steps', 'ar_steps', 'parallel_steps', 'zero_accept_steps',
  'accepted_extra_tokens', 'wall_ms',
] as const;
export const turnUsageSchema = turnStatsSchema.pick(Object.fromEntries(USAGE_KEYS.map((k) => [k, true])) as Record<(typeof USAGE_KEYS)[number], true>);
export type TurnUsage = z.output<typeof turnUsageSchema>;

export const usageTotalsSchema = turnUsageSchema.extend({ requests: z.number().nonnegative() });
export type UsageTotals = z.output<typeof usageTotalsSchema>;

export const EMPTY_USAGE: UsageTotals = usageTotalsSchema.parse({
  requests: 0, prompt_tokens: 0, cached_tokens: 0, completion_tokens: 0, steps: 0, ar_steps: 0,
  parallel_steps: 0, zero_accept_steps: 0, accepted_extra_tokens: 0, wall_ms: 0,
});

export function addUsage(totals: UsageTotals, turn: TurnUsage): UsageTotals {
  const sum = { ...totals, requests: totals.requests + 1 };
  for (const key of Object.keys(turn) as (keyof TurnUsage)[]) sum[key] = totals[key] + turn[key];
  return sum;
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/** What the metrics endpoints show: rates derived from the sums (null until there is something to divide). */
export function metricsView(tenantId: string, totals: UsageTotals) {
  return {
    object: 'cerberus.metrics',
    tenant_id: tenantId,
    requests: totals.requests,
    prompt_tokens: totals.prompt_tokens,
    // OpenAI's name (usage.prompt_tokens_details.cached_tokens), as everywhere in the service.
    cached_tokens: totals.cached_tokens,
    completion_tokens: totals.completion_tokens,
    tokens_per_second: ratio(totals.completion_tokens, totals.wall_ms / 1000),
    /** Tokens per decoding step (the paper's average acceptance length; 1 = plain AR). */
    mean_accepted_length: ratio(totals.completion_tokens, totals.steps),
    mean_extra_tokens_per_parallel_step: ratio(totals.accepted_extra_tokens, totals.parallel_steps),
    gate: {
      steps: totals.steps,
      parallel_steps: totals.parallel_steps,
      ar_steps: totals.ar_steps,
      parallel_share: ratio(totals.parallel_steps, totals.steps),
      zero_accept_share: ratio(totals.zero_accept_steps, totals.parallel_steps),
    },
  };
}
