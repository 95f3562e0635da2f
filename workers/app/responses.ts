/** POST /v1/responses: the Responses API's text subset (workers/openai/responses-api.ts). */
import { Hono } from 'hono';
import { badRequest } from '../api-error';
import { parseBody } from '../http/body';
import type { TenantVariables } from '../http/auth';
import { newResponseMeta, responseBody, responsesPrompt, responsesRequest, responsesStream, sessionOfResponse } from '../openai/responses-api';
import { collectTurn, serverSentEvents, SSE_HEADERS } from '../openai/sse';
import { toTurnRequest } from '../openai/turn-request';
import type { AppDeps } from './deps';
import { requireModel, SESSION_HEADER, sessionIdHeader, startTurn } from './turns';

export function responsesRoutes(deps: AppDeps) {
  return new Hono<{ Variables: TenantVariables }>().post('/responses', async (c) => {
    const body = await parseBody(c, responsesRequest);
    const fields = { ...body, max_tokens: body.max_output_tokens, stop: null };
    const turn = toTurnRequest(fields, responsesPrompt(body), c.get('tenant').config, 'max_output_tokens');
    const pinned = sessionIdHeader(c) ?? body.session_id;
    let sessionId = pinned ?? crypto.randomUUID();
    if (body.previous_response_id) {
      sessionId = sessionOfResponse(body.previous_response_id);
      if (pinned !== undefined && pinned !== sessionId) {
        throw badRequest('session_mismatch', `previous_response_id belongs to session "${sessionId}", not "${pinned}"; send one of them.`, 'previous_response_id');
      }
    }
    await requireModel(deps, body.model);
    const { events, account } = await startTurn(c, deps, sessionId, turn);

    c.header(SESSION_HEADER, sessionId);
    const meta = newResponseMeta(sessionId, body, turn.generate.maxTokens, deps.now());
    const signal = c.req.raw.signal;
    if (body.stream) {
      return c.body(serverSentEvents(events, responsesStream(meta, body.cerberus?.provenance === true), signal, account), 200, SSE_HEADERS);
    }
    const { text, done } = await collectTurn(events, signal, account);
    return c.json(responseBody(meta, text, done));
  });
}
