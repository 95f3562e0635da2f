/** Maps an OpenAI-style request onto a session turn, within what the tenant's configuration allows. */
import type { Sampling } from '../engine';
import { ApiError, badRequest } from '../http/api-error';
import type { TenantConfig } from '../tenants/config';
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

export function textPrompt(body: CompletionRequest): TurnPrompt {
  return { kind: 'text', text: typeof body.prompt === 'string' ? body.prompt : body.prompt.join('') };
}

function sampling(body: CommonRequest): Sampling {
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

export function toTurnRequest(body: CommonRequest, prompt: TurnPrompt, config: TenantConfig): TurnRequest {
  const requested = ('max_completion_tokens' in body ? body.max_completion_tokens : null) ?? body.max_tokens;
  if (requested != null && requested > config.max_tokens) {
    throw badRequest('max_tokens_exceeded', `max_tokens may be at most ${config.max_tokens} for this API key.`, 'max_tokens');
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
    maxTokens: requested ?? config.max_tokens,
    sampling: sampling(body),
    stop,
    mode,
    gate: body.cerberus?.gate ?? true,
    treeBudget: config.tree_budget,
    headKind: config.head_kind,
    gatePolicy: {
      mode: config.gate.mode,
      threshold: config.gate.threshold,
      min: config.gate.min,
      max: config.gate.max,
      explorationRate: config.gate.exploration_rate,
    },
  };
}
