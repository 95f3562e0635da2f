/**
 * The app for one process (Node, Deno): tenants and sessions in memory, the model from a folder. The
 * same Hono app as the Worker's; only the stores differ (nothing survives a restart).
 */
import { createApp } from '../app/create-app';
import { manifestCatalog } from '../app/model-catalog';
import { loadModel, SUPPORTED_BACKENDS, type BackendName } from '../engine';
import { onceRetrying } from '../once';
import { Admission, DEFAULT_ADMISSION } from '../http/admission';
import { budgetFromMb, type KvBudget } from '../sessions/kv-budget';
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
  /** A precision variant the model's manifest lists, e.g. 'int8' (CERBERUS_BASE_VARIANT); default fp32. */
  readonly baseVariant?: string | undefined;
  /** onnxruntime-node intra-op threads (CERBERUS_THREADS); default the engine's (1). */
  readonly threads?: number | undefined;
  /** Memory for the process's KV caches, in MB (CERBERUS_KV_BUDGET_MB). */
  readonly kvBudgetMb?: number;
  /** The budget itself (for tests to watch); wins over kvBudgetMb. */
  readonly kvBudget?: KvBudget;
  /** Turns generating at once / queued (CERBERUS_MAX_ACTIVE_TURNS, CERBERUS_MAX_QUEUED_TURNS). */
  readonly maxActiveTurns?: number;
  readonly maxQueuedTurns?: number;
}

export const DEFAULT_LOCAL_KV_BUDGET_MB = 256;

export async function createLocalApp(options: LocalAppOptions) {
  const source = fsModelSource(options.modelDir);
  const model = onceRetrying(() =>
    loadModel(source, {
      backend: options.backend ?? 'auto',
      ...(options.baseVariant === undefined ? {} : { baseVariant: options.baseVariant }),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    }),
  );
  // A variant is asked for by name: a name the model does not have is a start-up error, not a 503 later.
  if (options.baseVariant !== undefined) await model();
  const seed = options.devApiKey
    ? [{ id: DEV_TENANT_ID, name: 'Local development', keyHash: await hashApiKey(options.devApiKey), config: DEFAULT_TENANT_CONFIG }]
    : [];
  return createApp({
    tenants: new MemoryTenantStore(seed),
    sessions: new MemorySessionStore(model, { kvBudget: options.kvBudget ?? budgetFromMb(String(options.kvBudgetMb), DEFAULT_LOCAL_KV_BUDGET_MB) }),
    models: manifestCatalog(source),
    adminSecret: options.adminSecret,
    ready: model,
    admission: new Admission({
      ...DEFAULT_ADMISSION,
      ...(options.maxActiveTurns ? { maxActive: options.maxActiveTurns } : {}),
      ...(options.maxQueuedTurns ? { maxQueued: options.maxQueuedTurns } : {}),
    }),
  });
}

function backendFrom(value: string | undefined): BackendName | 'auto' {
  if (value === undefined) return 'auto';
  const backend = SUPPORTED_BACKENDS.find((b) => b === value);
  if (backend === undefined) throw new Error(`CERBERUS_BACKEND=${value}: use one of ${SUPPORTED_BACKENDS.join(', ')}`);
  return backend;
}

function threadsFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`CERBERUS_THREADS=${value}: use a whole number from 1 to 256`);
  return n;
}

function positiveNumber(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
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
    baseVariant: env('CERBERUS_BASE_VARIANT') || undefined,
    threads: threadsFrom(env('CERBERUS_THREADS')),
    kvBudgetMb: positiveNumber(env('CERBERUS_KV_BUDGET_MB')),
    maxActiveTurns: positiveNumber(env('CERBERUS_MAX_ACTIVE_TURNS')),
    maxQueuedTurns: positiveNumber(env('CERBERUS_MAX_QUEUED_TURNS')),
    port: Number(env('PORT') ?? 8787),
    hostname: env('HOST') ?? '127.0.0.1',
  };
}
