import { renderChat, type Model } from '../engine';
import { ApiError } from '../http/api-error';
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
  const context = model.manifest.architecture.max_positions;
  if (ids.length >= context) {
    throw new ApiError({
      status: 400,
      code: 'context_length_exceeded',
      message: `The prompt is ${ids.length} tokens; this model's context is ${context} (prompt and reply together). Shorten it.`,
      param,
    });
  }
  return ids;
}
