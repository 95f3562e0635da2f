/** Requests against the real Worker entry (SELF), and readers for what it answers. */
import { env, SELF } from 'cloudflare:test';

export const DEV_KEY = env.DEV_API_KEY ?? 'sk-dev-local';
export const ADMIN = env.ADMIN_SECRET ?? 'dev-admin-secret';

const ORIGIN = 'https://cerberus.test';

export function call(path: string, init: { method?: string; key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key !== undefined) headers.set('authorization', `Bearer ${init.key}`);
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers.set('content-type', 'application/json');
  }
  return SELF.fetch(`${ORIGIN}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
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
