/** Requests against the real Worker entry, and readers for what it answers. */
import { createExecutionContext, env, SELF } from 'cloudflare:test';
import worker from '../../../workers/cloudflare/worker';

export const DEV_KEY = env.DEV_API_KEY ?? 'sk-dev-local';
export const ADMIN = env.ADMIN_SECRET ?? 'dev-admin-secret';

const ORIGIN = 'https://cerberus.test';

export interface CallInit {
  method?: string;
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

function request(path: string, init: CallInit): Request {
  const headers = new Headers(init.headers);
  if (init.key !== undefined) headers.set('authorization', `Bearer ${init.key}`);
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers.set('content-type', 'application/json');
  }
  const method = init.method ?? (body === undefined ? 'GET' : 'POST');
  return new Request(`${ORIGIN}${path}`, { method, headers, body, ...(init.signal ? { signal: init.signal } : {}) });
}

/** Through the runtime's HTTP path to the Worker (SELF). */
export function call(path: string, init: CallInit = {}): Promise<Response> {
  return SELF.fetch(request(path, init));
}

/**
 * Straight into the Worker's fetch handler, with the request's AbortSignal as the client's: the test
 * pool's SELF does not pass a client abort on, and this is how a disconnect reaches the Worker
 * (request.signal, enable_request_signal). The e2e test checks the same over real HTTP.
 */
export async function callWorker(path: string, init: CallInit = {}): Promise<Response> {
  return worker.fetch(request(path, init) as Request<unknown, IncomingRequestCfProperties>, env, createExecutionContext());
}

export interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string };
}

export async function errorOf(response: Response): Promise<OpenAiError['error']> {
  const body = (await response.json()) as OpenAiError;
  return body.error;
}

export interface CreatedTenant {
  id: string;
  api_key: string;
  config: Record<string, unknown>;
}

export async function createTenant(name: string, config: Record<string, unknown> = {}): Promise<CreatedTenant> {
  const response = await call('/admin/tenants', { key: ADMIN, body: { name, config } });
  if (response.status !== 201) throw new Error(`creating tenant: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as CreatedTenant;
}
