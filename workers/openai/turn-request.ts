/** Maps an OpenAI-style request onto a session turn, within what the tenant's configuration allows. */
import type { Sampling } from '../engine';
import { ApiError, badRequest } from '../api-error';
import { gatePolicyOf, type TenantConfig } from '../tenants/config';
import type { ChatTurnMessage, TurnPrompt, TurnRequest } from '../sessions/turn';
import type { ChatCompletionRequest, CommonRequest, CompletionRequest } from './requests';

export function chatPrompt(body: ChatCompletionRequest): TurnPrompt {
  const messages = body.messages.map(
    (m): ChatTurnMessage => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: typeof m.content === 'string' ? m.content : m.content.map((part) => part.text).join(''),
    }),
  );
  return { kind: 'chat', messages };
}

/** One prompt per turn: a batch (`prompt: [a, b]`) gets one choice per prompt. */
export function textPrompts(body: CompletionRequest): TurnPrompt[] {
  const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
  return prompts.map((text) => ({ kind: 'text', text }));
}

/** The request fields a turn is built from, whichever endpoint they came in. */
export type TurnFields = Pick<CommonRequest, 'max_tokens' | 'temperature' | 'top_p' | 'seed' | 'stop' | 'cerberus'> & {
  readonly max_completion_tokens?: number | null | undefined;
};

function sampling(body: TurnFields): Sampling {
  // OpenAI's default temperature is 1; 0 means greedy, which is also what makes output reproducible.
  const temperature = body.temperature ?? 1;
  if (temperature === 0) return { kind: 'greedy' };
  return {
    kind: 'sample',
    temperature,
    ...(body.top_p == null ? {} : { topP: body.top_p }),
    ...(body.seed == null ? {} : { seed: body.seed }),
  };
}

/** `maxTokensParam`: the name the endpoint gives max_tokens (Responses: max_output_tokens), for errors. */
export function toTurnRequest(body: TurnFields, prompt: TurnPrompt, config: TenantConfig, maxTokensParam = 'max_tokens'): TurnRequest {
  const requested = body.max_completion_tokens ?? body.max_tokens;
  if (requested != null && requested > config.max_tokens) {
    throw badRequest('max_tokens_exceeded', `${maxTokensParam} may be at most ${config.max_tokens} for this API key.`, maxTokensParam);
  }
  // Default: the tenant's heads, or its first allowed mode when those heads are not allowed (e.g. AR only).
  const mode = body.cerberus?.mode ?? (config.allowed_modes.includes(config.head_kind) ? config.head_kind : config.allowed_modes[0]!);
  if (!config.allowed_modes.includes(mode)) {
    throw new ApiError({
      status: 403,
      code: 'mode_not_allowed',
      message: `Decoding mode "${mode}" is not enabled for this API key; allowed: ${config.allowed_modes.join(', ')}.`,
      param: 'cerberus.mode',
    });
  }
  const stop = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  return {
    prompt,
    generate: {
      maxTokens: requested ?? config.max_tokens,
      sampling: sampling(body),
      stop,
      mode,
      gate: body.cerberus?.gate ?? true,
      drafts: body.cerberus?.drafts ?? true,
      treeBudget: config.tree_budget,
    },
    session: { headKind: config.head_kind, gatePolicy: gatePolicyOf(config.gate) },
    ...(body.cerberus?.provenance === true ? { provenance: true } : {}),
  };
}
