export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/**
 * Prompt text for a TinyStories-style model, which knows no roles: it continues text. System and user
 * messages become paragraphs separated by a blank line; an assistant message is what the model wrote as
 * the continuation of the text before it, so it is appended without a separator. The prompt ends with
 * the last message's text (trailing whitespace removed: the BPE vocabulary puts spaces at the start of
 * words, so a trailing space would force an unusual token), and the model continues it.
 *
 *   [{user: 'Once upon a time, a cat'}]                              → 'Once upon a time, a cat'
 *   [{system: 'A story.'}, {user: 'Tom had a dog.'}]                 → 'A story.\n\nTom had a dog.'
 *   [{user: 'Tom had a dog.'}, {assistant: ' It was big.'}, {user: 'One day'}]
 *                                                                    → 'Tom had a dog. It was big.\n\nOne day'
 */
export function renderChat(messages: readonly ChatMessage[]): string {
  let text = '';
  for (const m of messages) {
    const content = m.role === 'assistant' ? m.content : m.content.trim();
    if (content.length === 0) continue;
    text += m.role === 'assistant' || text.length === 0 ? content : `\n\n${content}`;
  }
  return text.trimEnd();
}
