/**
 * What a turn cost, for the tenant's metrics: from the engine's own statistics when it finished, and from
 * what the stream delivered (the text events' step traces) when it ended early — the client went away,
 * or the engine failed part-way. Either way the turn is counted once.
 */
import type { TurnDone, TurnEvent } from '../sessions/turn';
import { pick } from '../sessions/turn-stats';
import { USAGE_KEYS, type TurnUsage } from '../tenants/usage';

/**
 * Time for tokens/s: the engine's active generation time where its clock runs (Node, Deno, local
 * workerd). Deployed Workers advance the clock only across I/O, so there the engine reads 0 and the
 * router's time from turn start to end stands in (it sees I/O for every event; it includes the prefill,
 * and a cold start's model load).
 */
export function finishedUsage(done: TurnDone, routerMs: number): TurnUsage {
  const usage = pick(done.stats, USAGE_KEYS);
  return { ...usage, wall_ms: usage.wall_ms > 0 ? usage.wall_ms : routerMs };
}

export interface TurnAccount {
  observe(event: TurnEvent): void;
  /** Records the turn (once; later calls do nothing). */
  settle(): void;
}

/** `record` gets the turn's usage once, when `settle` is first called. */
export function turnAccount(now: () => number, record: (usage: TurnUsage) => void): TurnAccount {
  const startedAt = now();
  let done: TurnDone | undefined;
  let settled = false;
  const partial = {
    prompt_tokens: 0,
    // Unknown for a turn that did not finish (the engine reports it at the end); counted as not cached.
    cached_tokens: 0,
    completion_tokens: 0,
    steps: 0,
    ar_steps: 0,
    parallel_steps: 0,
    zero_accept_steps: 0,
    accepted_extra_tokens: 0,
  };
  return {
    observe(event) {
      if (event.type === 'done') done = event;
      if (event.type !== 'text' || event.trace === undefined) return;
      const { trace } = event;
      if (trace.prompt_tokens !== undefined) partial.prompt_tokens = trace.prompt_tokens;
      for (const step of trace.steps) {
        partial.completion_tokens += step.tokens;
        partial.steps++;
        if (step.kind === 'ar') {
          partial.ar_steps++;
          continue;
        }
        partial.parallel_steps++;
        if (step.tokens <= 1) partial.zero_accept_steps++;
        partial.accepted_extra_tokens += Math.max(0, step.tokens - 1);
      }
    },
    settle() {
      if (settled) return;
      settled = true;
      const routerMs = now() - startedAt;
      record(done !== undefined ? finishedUsage(done, routerMs) : { ...partial, wall_ms: routerMs });
    },
  };
}
