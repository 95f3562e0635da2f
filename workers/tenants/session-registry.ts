/**
 * How many conversations a tenant holds: each new session id is registered with the tenant store, and a
 * tenant at its `max_sessions` gets 429 until one of its sessions has been idle for SESSION_IDLE_TTL_MS.
 * On Workers the session's Durable Object deletes its own storage after the same idle time (SessionDO's
 * alarm), so what the count says is what storage holds; on Node and Deno it bounds the in-memory store.
 */

/** A conversation nobody continued for this long is forgotten (its log deleted) and no longer counted. */
export const SESSION_IDLE_TTL_MS = 24 * 60 * 60 * 1000;

export type SessionAdmission =
  | { readonly kind: 'ok' }
  | { readonly kind: 'too_many_sessions'; readonly limit: number; readonly retryAfterSeconds: number };

/**
 * The decision for a session id, given whether it is already registered and live, how many live sessions
 * the tenant holds, and when the oldest of them was last used.
 */
export function admitSession(
  known: boolean,
  live: number,
  oldestLastUsedMs: number | null,
  limit: number,
  nowMs: number,
): SessionAdmission {
  if (known || live < limit) return { kind: 'ok' };
  const freesAt = (oldestLastUsedMs ?? nowMs) + SESSION_IDLE_TTL_MS;
  return { kind: 'too_many_sessions', limit, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - nowMs) / 1000)) };
}
