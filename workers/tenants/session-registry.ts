/**
 * How many conversations a tenant holds: every turn registers its session id with the tenant store, and
 * past the tenant's `max_sessions` the least recently used sessions are forgotten (their logs deleted), as
 * a cache would drop them. Nothing is refused: a client that sends no session id gets a new one per
 * request, and a forgotten conversation costs a prefill, not its history, when the client sends it whole.
 * A session idle for SESSION_IDLE_TTL_MS is forgotten anyway (on Workers SessionDO's alarm deletes its
 * storage) and no longer counted.
 */

/** A conversation nobody continued for this long is forgotten (its log deleted) and no longer counted. */
export const SESSION_IDLE_TTL_MS = 24 * 60 * 60 * 1000;

/** What registering a turn's session asks of the caller: forget these sessions of the tenant (oldest first). */
export interface SessionRegistration {
  readonly forget: readonly string[];
}

/** Given the tenant's live sessions, oldest first (the one just used last), the ones beyond `limit`. */
export function overLimit(liveOldestFirst: readonly string[], limit: number): string[] {
  return liveOldestFirst.slice(0, Math.max(0, liveOldestFirst.length - limit));
}
