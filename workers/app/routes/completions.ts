/** POST /v1/chat/completions and POST /v1/completions. */
import { Hono, type Context } from 'hono';
import { ApiError, notFound } from '../../http/api-error';
import { parseBody } from '../../http/body';
import type { TenantVariables } from '../../http/auth';
import { chatCompletionRequest, completionRequest, SESSION_ID_PATTERN, type CommonRequest } from '../../openai/requests';
import { completionBody, newCompletionMeta, type CompletionMeta, type DoneEvent } from '../../openai/responses';
import { collectTurn, serverSentEvents, SSE_HEADERS } from '../../openai/sse';
import { chatPrompt, textPrompt, toTurnRequest } from '../../openai/turn-request';
import type { TurnPrompt } from '../../sessions/turn';
import type { TurnUsage } from '../../tenants/usage';
import type { AppDeps } from '../deps';
import { runInBackground } from '../background';

type Ctx = Context<{ Variables: TenantVariables }>;

export const SESSION_HEADER = 'x-session-id';

function sessionIdOf(c: Ctx, body: CommonRequest): string {
  const fromHeader = c.req.header(SESSION_HEADER);
  if (fromHeader === undefined) return body.session_id ?? crypto.randomUUID();
  if (!SESSION_ID_PATTERN.test(fromHeader)) {
    throw new ApiError({
      status: 400,
      code: 'invalid_session_id',
      message: `The ${SESSION_HEADER} header must be 1-128 characters of A-Z, a-z, 0-9, "_" and "-".`,
      param: SESSION_HEADER,
    });
  }
  return fromHeader;
}

/**
 * Time for tokens/s: the engine's active generation time where its clock runs (Node, Deno, local
 * workerd). Deployed Workers advance the clock only across I/O, so there the engine reads 0 and the
 * router's time from turn start to end stands in (it sees I/O for every event; it includes the prefill,
 * and a cold start's model load).
 */
function turnUsage(done: DoneEvent, routerMs: number): TurnUsage {
  const { stats, usage } = done;
  return {
    ...usage,
    steps: stats.steps,
    ar_steps: stats.ar_steps,
    parallel_steps: stats.parallel_steps,
    zero_accept_steps: stats.zero_accept_steps,
    accepted_extra_tokens: stats.accepted_histogram.reduce((sum, steps, extra) => sum + steps * extra, 0),
    wall_ms: stats.wall_ms > 0 ? stats.wall_ms : routerMs,
  };
}

async function complete(c: Ctx, deps: AppDeps, kind: CompletionMeta['kind'], body: CommonRequest, prompt: TurnPrompt) {
  const tenant = c.get('tenant');
  const turn = toTurnRequest(body, prompt, tenant.config);
  const sessionId = sessionIdOf(c, body);
  const models = await deps.models.list();
  if (!models.some((m) => m.id === body.model)) {
    throw notFound('model_not_found', `The model "${body.model}" does not exist; GET /v1/models lists the served ones.`);
  }
  const startedAt = deps.now();
  const started = await deps.sessions.startTurn({ tenantId: tenant.id, sessionId }, turn);
  if (!started.ok) throw new ApiError(started.error);

  c.header(SESSION_HEADER, sessionId);
  const meta = newCompletionMeta(kind, body.model, deps.now());
  const record = (done: DoneEvent) =>
    runInBackground(c, deps.tenants.recordUsage(tenant.id, turnUsage(done, deps.now() - startedAt)), deps.log);
  const signal = c.req.raw.signal;
  if (body.stream) {
    const options = { usageChunk: body.stream_options?.include_usage === true };
    return c.body(serverSentEvents(started.events, meta, options, signal, record), 200, SSE_HEADERS);
  }
  const { text, done } = await collectTurn(started.events, signal);
  record(done);
  return c.json(completionBody(meta, text, done));
}

export function completionRoutes(deps: AppDeps) {
  return new Hono<{ Variables: TenantVariables }>()
    .post('/chat/completions', async (c) => {
      const body = await parseBody(c, chatCompletionRequest);
      return complete(c, deps, 'chat', body, chatPrompt(body));
    })
    .post('/completions', async (c) => {
      const body = await parseBody(c, completionRequest);
      return complete(c, deps, 'text', body, textPrompt(body));
    });
}
