import { renderChat, validatePrompt, type Model } from '../engine';
import { ApiError } from '../api-error';
import { toApiError } from './engine-errors';
import type { TurnPrompt } from './turn';

/** `logText`: the session's logged conversation, which an 'append' prompt continues. */
export function promptText(prompt: TurnPrompt, logText = ''): string {
  if (prompt.kind === 'text') return prompt.text;
  if (prompt.kind === 'chat') return renderChat(prompt.messages);
  // The logged text stands in for an assistant message: renderChat then joins the new messages to it as
  // it would have had the client sent the whole conversation.
  return renderChat([{ role: 'assistant', content: logText }, ...prompt.messages]);
}

/**
 * The prompt as token ids. When the text continues the conversation's log, the logged ids are kept as
 * they are and only the new text is encoded: the model sees the exact tokens it generated (re-encoding
 * its text can split it differently), the KV cache prefix matches, and a cache rebuilt after eviction is
 * identical to the one lost.
 */
export function encodePrompt(model: Model, prompt: TurnPrompt, log: readonly number[]): number[] {
  const { tokenizer } = model;
  const logText = log.length > 0 ? tokenizer.decode(log) : '';
  if (prompt.kind === 'append' && log.length === 0) {
    throw new ApiError({
      status: 404,
      code: 'previous_response_not_found',
      message: 'The previous response is unknown: its session holds no conversation (expired, or never created). Send the whole input instead.',
      param: 'previous_response_id',
    });
  }
  const text = promptText(prompt, logText);
  const ids = log.length > 0 && text.startsWith(logText) ? [...log, ...tokenizer.encode(text.slice(logText.length))] : tokenizer.encode(text);

  const param = prompt.kind === 'chat' ? 'messages' : prompt.kind === 'append' ? 'input' : 'prompt';
  if (ids.length === 0) throw new ApiError({ status: 400, code: 'empty_prompt', message: 'The prompt is empty; send some text.', param });
  // The engine's own check (context, token ids), run here so the refusal comes before the stream starts.
  const arch = model.manifest.architecture;
  try {
    validatePrompt(ids, arch.vocab_size, arch.max_positions);
  } catch (error) {
    throw toApiError(error, param);
  }
  return ids;
}
