import type { Context } from 'hono';

/**
 * Work that may finish after the response (usage accounting). Workers must be told through
 * `waitUntil` or the isolate may stop it; Node and Deno have no execution context and keep running.
 */
export function runInBackground(c: Context, task: Promise<unknown>, log: (error: unknown) => void): void {
  const guarded = task.catch(log);
  let executionCtx: Context['executionCtx'] | undefined;
  try {
    executionCtx = c.executionCtx;
  } catch {
    executionCtx = undefined; // Hono throws when the runtime gave it none
  }
  executionCtx?.waitUntil(guarded);
}
