import { renderChat, type Model } from '../engine';
import { ApiError } from '../http/api-error';
import type { TurnPrompt } from './turn';

export function promptText(prompt: TurnPrompt): string {
  return prompt.kind === 'chat' ? renderChat(prompt.messages) : prompt.text;
}

/**
 * The prompt as token ids. When the text continues the conversation's log, the logged ids are kept as
 * they are and only the new text is encoded: the model sees the exact tokens it generated (re-encoding
 * its text can split it differently), the KV cache prefix matches, and a cache rebuilt after eviction is
 * identical to the one lost.
 */
export function encodePrompt(model: Model, prompt: TurnPrompt, log: readonly number[]): number[] {
  const text = promptText(prompt);
  const { tokenizer } = model;
  const logText = log.length > 0 ? tokenizer.decode(log) : '';
  const ids = log.length > 0 && text.startsWith(logText) ? [...log, ...tokenizer.encode(text.slice(logText.length))] : tokenizer.encode(text);

  const param = prompt.kind === 'chat' ? 'messages' : 'prompt';
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
