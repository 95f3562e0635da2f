/** Fixed one-minute windows per tenant: cheap to store (two numbers) and exact enough for a quota. */

export const WINDOW_MS = 60_000;

export interface RateWindow {
  readonly start: number;
  readonly count: number;
}

export type RateDecision =
  | { readonly allowed: true; readonly window: RateWindow }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

/** Counts one request into the window; a refused request is not counted. */
export function admitRequest(previous: RateWindow | null, nowMs: number, perMinute: number): RateDecision {
  const start = nowMs - (nowMs % WINDOW_MS);
  const count = previous !== null && previous.start === start ? previous.count : 0;
  if (count >= perMinute) {
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((start + WINDOW_MS - nowMs) / 1000)) };
  }
  return { allowed: true, window: { start, count: count + 1 } };
}
