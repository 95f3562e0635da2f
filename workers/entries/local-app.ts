/**
 * The app for one process (Node, Deno): tenants and sessions in memory, the model from a folder. The
 * same Hono app as the Worker's; only the stores differ (nothing survives a restart).
 */
import { createApp } from '../app/create-app';
import { manifestCatalog } from '../app/model-catalog';
import { loadModel, type BackendName } from '../engine';
import { onceRetrying } from '../once';
import { MemorySessionStore } from '../sessions/memory-store';
import { DEFAULT_TENANT_CONFIG } from '../tenants/config';
import { DEV_TENANT_ID, hashApiKey } from '../tenants/keys';
import { MemoryTenantStore } from '../tenants/memory-store';
import { fsModelSource } from './fs-source';

export interface LocalAppOptions {
  readonly modelDir: string;
  /** Seeds the dev tenant, as DEV_API_KEY does on Workers. */
  readonly devApiKey?: string | undefined;
  readonly adminSecret?: string | undefined;
  readonly backend?: BackendName | 'auto';
}

export async function createLocalApp(options: LocalAppOptions) {
  const source = fsModelSource(options.modelDir);
  const model = onceRetrying(() => loadModel(source, { backend: options.backend ?? 'auto' }));
  const seed = options.devApiKey
    ? [{ id: DEV_TENANT_ID, name: 'Local development', keyHash: await hashApiKey(options.devApiKey), config: DEFAULT_TENANT_CONFIG }]
    : [];
  return createApp({
    tenants: new MemoryTenantStore(seed),
    sessions: new MemorySessionStore(model),
    models: manifestCatalog(source),
    adminSecret: options.adminSecret,
  });
}

const BACKENDS = ['auto', 'wasm', 'webgpu', 'native-cpu', 'native-cuda'] as const;

function backendFrom(value: string | undefined): BackendName | 'auto' {
  if (value === undefined) return 'auto';
  const backend = BACKENDS.find((b) => b === value);
  if (backend === undefined) throw new Error(`CERBERUS_BACKEND=${value}: use one of ${BACKENDS.join(', ')}`);
  return backend;
}

export interface ServeOptions extends LocalAppOptions {
  readonly port: number;
  readonly hostname: string;
}

/**
 * Settings from the environment. `dev` (the start scripts pass --dev) adds wrangler.toml's local
 * defaults: the dev tenant key and admin secret. Without it there is no dev tenant, and the admin API
 * is on only when ADMIN_SECRET is set.
 */
export function serveOptions(env: (name: string) => string | undefined, dev: boolean): ServeOptions {
  return {
    modelDir: env('CERBERUS_MODEL_DIR') ?? 'models/tinystories-6m',
    devApiKey: env('DEV_API_KEY') ?? (dev ? 'sk-dev-local' : undefined),
    adminSecret: env('ADMIN_SECRET') ?? (dev ? 'dev-admin-secret' : undefined),
    backend: backendFrom(env('CERBERUS_BACKEND')),
    port: Number(env('PORT') ?? 8787),
    hostname: env('HOST') ?? '127.0.0.1',
  };
}
