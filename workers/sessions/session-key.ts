import type { SessionKey } from './turn';

/**
 * The name a conversation's storage is addressed by. The tenant id is part of it, so two tenants using
 * the same session id reach different objects; JSON keeps the two parts unambiguous.
 */
export function sessionObjectName(key: SessionKey): string {
  return JSON.stringify([key.tenantId, key.sessionId]);
}
