/** POST /v1/chat/completions and POST /v1/completions. */
import { Hono } from 'hono';
import { badRequest } from '../api-error';
import { parseBody } from '../http/body';
import type { TenantVariables } from '../http/auth';
import { chatCompletionRequest, completionRequest, type CommonRequest } from '../openai/requests';
import { completionBody, completionStream, newCompletionMeta, type CompletionMeta } from '../openai/responses';
import { collectTurn, serverSentEvents, SSE_HEADERS } from '../openai/sse';
import { chatPrompt, textPrompts, toTurnRequest } from '../openai/turn-request';
import type { TurnPrompt } from '../sessions/turn';
import type { AppDeps } from './deps';
import { requireModel, SESSION_HEADER, sessionIdHeader, startTurn, type Ctx } from './turns';

async function complete(c: Ctx, deps: AppDeps, kind: CompletionMeta['kind'], body: CommonRequest, prompt: TurnPrompt) {
  const turn = toTurnRequest(body, prompt, c.get('tenant').config);
  const sessionId = sessionIdHeader(c) ?? body.session_id ?? crypto.randomUUID();
  await requireModel(deps, body.model);
  const { events, account } = await startTurn(c, deps, sessionId, turn);

  c.header(SESSION_HEADER, sessionId);
  const meta = newCompletionMeta(kind, body.model, deps.now());
  const signal = c.req.raw.signal;
  if (body.stream) {
    const options = { usageChunk: body.stream_options?.include_usage === true, provenance: body.cerberus?.provenance === true };
    return c.body(serverSentEvents(events, completionStream(meta, options), signal, account), 200, SSE_HEADERS);
  }
  const { text, done } = await collectTurn(events, signal, account);
  return c.json(completionBody(meta, text, done));
}

/**
 * A batch of prompts (LangChain's `generate([a, b])` sends one): one turn per prompt, each in a fresh
 * session, one after another, answered as one body with a choice per prompt in order.
 */
async function completeBatch(c: Ctx, deps: AppDeps, body: CommonRequest, prompts: readonly TurnPrompt[]) {
  if (body.stream) {
    throw badRequest('unsupported_batch', 'Streaming serves one prompt per request; send the prompts one at a time, or set stream to false.', 'prompt');
  }
  if (sessionIdHeader(c) !== undefined || body.session_id !== undefined) {
    throw badRequest('unsupported_batch', 'A batch of prompts runs each in a fresh session; omit the session id, or send one prompt.', 'prompt');
  }
  const config = c.get('tenant').config;
  const turns = prompts.map((prompt) => toTurnRequest(body, prompt, config));
  await requireModel(deps, body.model);
  const meta = newCompletionMeta('text', body.model, deps.now());
  const results = [];
  for (const turn of turns) {
    const { events, account } = await startTurn(c, deps, crypto.randomUUID(), turn);
    results.push(await collectTurn(events, c.req.raw.signal, account));
  }
  const bodies = results.map(({ text, done }) => completionBody(meta, text, done));
  const sum = (pick: (u: (typeof bodies)[number]['usage']) => number) => bodies.reduce((n, b) => n + pick(b.usage), 0);
  const { cerberus: _first, ...envelope } = bodies[0]!;
  return c.json({
    ...envelope,
    choices: bodies.map((b, index) => ({ ...b.choices[0]!, index, cerberus: b.cerberus })),
    usage: {
      prompt_tokens: sum((u) => u.prompt_tokens),
      completion_tokens: sum((u) => u.completion_tokens),
      total_tokens: sum((u) => u.total_tokens),
      prompt_tokens_details: { cached_tokens: sum((u) => u.prompt_tokens_details.cached_tokens) },
    },
  });
}

export function completionRoutes(deps: AppDeps) {
  return new Hono<{ Variables: TenantVariables }>()
    .post('/chat/completions', async (c) => {
      const body = await parseBody(c, chatCompletionRequest);
      return complete(c, deps, 'chat', body, chatPrompt(body));
    })
    .post('/completions', async (c) => {
      const body = await parseBody(c, completionRequest);
      const prompts = textPrompts(body);
      return prompts.length === 1 ? complete(c, deps, 'text', body, prompts[0]!) : completeBatch(c, deps, body, prompts);
    });
}
