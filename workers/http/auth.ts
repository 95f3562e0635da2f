import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../api-error';
import { KeyThrottle } from './key-throttle';
import { hashApiKey, secretsEqual } from '../tenants/keys';
import type { Tenant, TenantStore } from '../tenants/store';

export interface TenantVariables {
  tenant: Tenant;
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

const missingCredentials = (what: string) =>
  new ApiError({ status: 401, code: 'missing_api_key', message: `Send ${what} as "Authorization: Bearer <key>".` });

/** Resolves the Bearer key to its tenant and counts the request against the tenant's rate limit. */
const invalidKey = () =>
  new ApiError({ status: 401, code: 'invalid_api_key', message: 'The API key is not valid. Check it, or ask your admin for a new one.' });

export function tenantAuth(
  tenants: TenantStore,
  now: () => number,
  throttle: KeyThrottle = new KeyThrottle(),
): MiddlewareHandler<{ Variables: TenantVariables }> {
  return async function tenantAuth(c, next) {
    const key = bearerToken(c.req.header('authorization'));
    if (key === null) throw missingCredentials('your API key');
    const keyHash = await hashApiKey(key);
    const verdict = throttle.check(keyHash, now());
    if (verdict === 'known_unknown') throw invalidKey();
    if (verdict === 'throttled') {
      throw new ApiError({
        status: 429,
        code: 'auth_throttled',
        message: 'Too many requests with unknown API keys reach this server; retry in 1 s with a valid key.',
        retryAfterSeconds: 1,
      });
    }
    const auth = await tenants.authenticate(keyHash, now());
    if (auth.kind === 'unknown_key') {
      throttle.unknown(keyHash, now());
      throw invalidKey();
    }
    throttle.authenticated(keyHash);
    if (auth.kind === 'rate_limited') {
      throw new ApiError({
        status: 429,
        code: 'rate_limit_exceeded',
        message: `Rate limit reached for this API key; retry in ${auth.retryAfterSeconds} s or ask for a higher limit.`,
        retryAfterSeconds: auth.retryAfterSeconds,
      });
    }
    c.set('tenant', auth.tenant);
    await next();
  };
}

/** Guards the admin API with ADMIN_SECRET; without a configured secret the admin API is off. */
export function adminAuth(secret: string | undefined): MiddlewareHandler {
  return async function adminAuth(c, next) {
    if (!secret) {
      throw new ApiError({ status: 403, code: 'admin_disabled', message: 'The admin API is disabled: set the ADMIN_SECRET secret to enable it.' });
    }
    const token = bearerToken(c.req.header('authorization'));
    if (token === null) throw missingCredentials('the admin secret');
    if (!(await secretsEqual(token, secret))) {
      throw new ApiError({ status: 403, code: 'not_admin', message: 'This credential may not use the admin API; send the admin secret.' });
    }
    await next();
  };
}
