/** The ports the app is built from: each entry (Workers, Node, Deno) plugs in its own implementations. */
import { Admission, DEFAULT_ADMISSION } from '../http/admission';
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
  /** Bounds the turns generating and queued in this process / isolate (see http/admission.ts). */
  readonly admission: Admission;
  /** Resolves when the model is loaded (loading it if need be), rejects with why not: GET /readyz. */
  readonly ready: () => Promise<unknown>;
}

export type AppPorts = Pick<AppDeps, 'tenants' | 'sessions' | 'models' | 'adminSecret'> & Partial<AppDeps>;

export function withDefaults(ports: AppPorts): AppDeps {
  return {
    now: () => Date.now(),
    log: (error) => console.error(error),
    maxBodyBytes: 256 * 1024,
    admission: new Admission(DEFAULT_ADMISSION),
    ready: () => ports.models.list(),
    ...ports,
  };
}
