/** Reads an OpenAI-style Server-Sent Events body into its data payloads. */

export interface Chunk {
  object: string;
  choices: { index: number; delta?: { role?: string; content?: string }; text?: string; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } };
  cerberus?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export function parseSse(body: string): { chunks: Chunk[]; done: boolean } {
  const chunks: Chunk[] = [];
  let done = false;
  for (const event of body.split('\n\n')) {
    const data = event
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice('data: '.length))
      .join('\n');
    if (data.length === 0) continue;
    if (data === '[DONE]') done = true;
    else chunks.push(JSON.parse(data) as Chunk);
  }
  return { chunks, done };
}

export function streamedText(chunks: readonly Chunk[]): string {
  return chunks.map((c) => c.choices[0]?.delta?.content ?? c.choices[0]?.text ?? '').join('');
}

/** Reads until at least one content chunk arrived; returns the reader, still open, and what it read. */
export async function readFirstText(response: Response): Promise<{ reader: ReadableStreamDefaultReader<Uint8Array>; text: string }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before any text: ${raw}`);
    raw += decoder.decode(value, { stream: true });
    const complete = raw.slice(0, raw.lastIndexOf('\n\n') + 2);
    const text = streamedText(parseSse(complete).chunks);
    if (text.length > 0) return { reader, text };
  }
}
