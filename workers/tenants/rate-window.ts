/**
 * A sliding one-minute window per tenant, approximated from two fixed windows: the current minute's count
 * plus the previous minute's, weighted by how much of it the sliding window still covers. Cheap to store
 * (three numbers), and unlike a fixed window it does not let twice the limit through across a boundary.
 */

export const WINDOW_MS = 60_000;

export interface RateWindow {
  /** Start of the current fixed window. */
  readonly start: number;
  readonly count: number;
  /** The count of the fixed window before `start` (0 when it was not the one just before). */
  readonly previous: number;
}

export type RateDecision =
  | { readonly allowed: true; readonly window: RateWindow }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

/** The requests the sliding window ending at `nowMs` holds, by the two-window estimate. */
function estimate(window: RateWindow, nowMs: number): number {
  const covered = 1 - (nowMs - window.start) / WINDOW_MS;
  return window.previous * covered + window.count;
}

/** The window as seen at `nowMs`: rolled forward when a new fixed window began. */
function rolled(previous: RateWindow | null, nowMs: number): RateWindow {
  const start = nowMs - (nowMs % WINDOW_MS);
  if (previous === null || previous.start < start - WINDOW_MS) return { start, count: 0, previous: 0 };
  if (previous.start === start - WINDOW_MS) return { start, count: 0, previous: previous.count };
  if (previous.start === start) return previous;
  return { start, count: 0, previous: 0 }; // a clock that went back: start afresh
}

/** Counts one request into the window; a refused request is not counted. */
export function admitRequest(previous: RateWindow | null, nowMs: number, perMinute: number): RateDecision {
  const window = rolled(previous, nowMs);
  if (estimate(window, nowMs) + 1 > perMinute) {
    // The estimate falls as the previous window slides out; past the fixed window's end only `count` is left.
    let waitMs = window.start + WINDOW_MS - nowMs;
    if (window.previous > 0 && window.count + 1 <= perMinute) {
      const coveredAtMost = (perMinute - 1 - window.count) / window.previous;
      waitMs = Math.min(waitMs, Math.max(0, window.start + WINDOW_MS * (1 - coveredAtMost) - nowMs));
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
  return { allowed: true, window: { ...window, count: window.count + 1 } };
}
