/** The ports the app is built from: each entry (Workers, Node, Deno) plugs in its own implementations. */
import type { SessionStore } from '../sessions/turn';
import type { TenantStore } from '../tenants/store';
import type { ModelCatalog } from './model-catalog';

export interface AppDeps {
  readonly tenants: TenantStore;
  readonly sessions: SessionStore;
  readonly models: ModelCatalog;
  /** Unset: the admin API answers 403 admin_disabled. */
  readonly adminSecret: string | undefined;
  readonly now: () => number;
  readonly log: (error: unknown) => void;
  /** Largest request body accepted (413 above). */
  readonly maxBodyBytes: number;
}

export type AppPorts = Pick<AppDeps, 'tenants' | 'sessions' | 'models' | 'adminSecret'> & Partial<AppDeps>;

export function withDefaults(ports: AppPorts): AppDeps {
  return {
    now: () => Date.now(),
    log: (error) => console.error(error),
    maxBodyBytes: 256 * 1024,
    ...ports,
  };
}
