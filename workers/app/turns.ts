/** What every generating route does around a turn: the session id, the model check, start, accounting. */
import type { Context } from 'hono';
import { ApiError } from '../api-error';
import type { TenantVariables } from '../http/auth';
import { SESSION_ID_PATTERN } from '../openai/requests';
import { turnAccount, type TurnAccount } from '../openai/turn-account';
import type { TurnEvent, TurnRequest } from '../sessions/turn';
import { runInBackground } from './background';
import type { AppDeps } from './deps';

export type Ctx = Context<{ Variables: TenantVariables }>;

export const SESSION_HEADER = 'x-session-id';

/** The `x-session-id` header, checked; undefined when absent. */
export function sessionIdHeader(c: Ctx): string | undefined {
  const fromHeader = c.req.header(SESSION_HEADER);
  if (fromHeader !== undefined && !SESSION_ID_PATTERN.test(fromHeader)) {
    throw new ApiError({
      status: 400,
      code: 'invalid_session_id',
      message: `The ${SESSION_HEADER} header must be 1-128 characters of A-Z, a-z, 0-9, "_" and "-".`,
      param: SESSION_HEADER,
    });
  }
  return fromHeader;
}

export async function requireModel(deps: AppDeps, model: string, param = 'model'): Promise<void> {
  const models = await deps.models.list();
  if (!models.some((m) => m.id === model)) {
    throw new ApiError({
      status: 404,
      code: 'model_not_found',
      message: `The model "${model}" does not exist; GET /v1/models lists the served ones.`,
      param,
    });
  }
}

export interface StartedTurn {
  readonly events: ReadableStream<TurnEvent>;
  /** Counts the turn into the tenant's metrics, however it ends (see turnAccount). */
  readonly account: TurnAccount;
}

/** Starts `turn` in the caller's session `sessionId`; a refusal before the first token throws its ApiError. */
export async function startTurn(c: Ctx, deps: AppDeps, sessionId: string, turn: TurnRequest): Promise<StartedTurn> {
  const tenant = c.get('tenant');
  // Past the tenant's max_sessions its least recently used conversations are forgotten, off the request path.
  const { forget } = await deps.tenants.openSession(tenant.id, sessionId, deps.now());
  for (const old of forget) runInBackground(c, deps.sessions.forget({ tenantId: tenant.id, sessionId: old }), deps.log);
  const started = await deps.sessions.startTurn({ tenantId: tenant.id, sessionId }, turn, (task) => runInBackground(c, task, deps.log));
  if (!started.ok) throw new ApiError(started.error);
  const account = turnAccount(deps.now, (usage) => runInBackground(c, deps.tenants.recordUsage(tenant.id, usage), deps.log));
  return { events: started.events, account };
}


