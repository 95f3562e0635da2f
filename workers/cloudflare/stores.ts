/** The app's ports backed by Durable Objects: the Worker's side of the RPC. */
import type { SessionDO } from './session-do';
import { decodeEvents } from '../sessions/event-codec';
import { onCancel } from './on-cancel';
import { sessionObjectName } from '../sessions/session-key';
import type { SessionStore } from '../sessions/turn';
import type { TenantStore } from '../tenants/store';
import type { TenantsDO } from './tenants-do';

export function durableSessionStore(namespace: DurableObjectNamespace<SessionDO>): SessionStore {
  return {
    async startTurn(key, turn, background) {
      const stub = namespace.get(namespace.idFromName(sessionObjectName(key)));
      const started = await stub.startTurn(turn);
      if (!started.ok) return started;
      const body = onCancel(started.body, () => {
        // Sent as the client goes away: kept alive past the invocation, or it may never reach the object.
        const sent = stub.cancelTurn(started.turnId);
        background(sent);
        return sent;
      });
      return { ok: true, events: body.pipeThrough(decodeEvents()) };
    },
    async forget(key) {
      await namespace.get(namespace.idFromName(sessionObjectName(key))).forget();
    },
  };
}

/** All tenants live in one object: see README, "Tenant store", for why and how it would shard. */
export const TENANTS_OBJECT_NAME = 'global';

export function durableTenantStore(namespace: DurableObjectNamespace<TenantsDO>): TenantStore {
  const stub = () => namespace.get(namespace.idFromName(TENANTS_OBJECT_NAME));
  return {
    authenticate: (keyHash, nowMs) => stub().authenticate(keyHash, nowMs),
    create: (tenant) => stub().create(tenant),
    get: (id) => stub().get(id),
    updateConfig: (id, patch) => stub().updateConfig(id, patch),
    list: () => stub().list(),
    rotateKey: (id, keyHash) => stub().rotateKey(id, keyHash),
    delete: (id) => stub().delete(id),
    openSession: (tenantId, sessionId, nowMs) => stub().openSession(tenantId, sessionId, nowMs),
    recordUsage: (tenantId, usage) => stub().recordUsage(tenantId, usage),
    usage: (tenantId) => stub().usage(tenantId),
  };
}
