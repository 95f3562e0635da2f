/** Benchmark prompts: TinyStories story openings (in domain) and MT-Bench first turns (out of domain, per category). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifest } from '../../src/model/manifest';
import { renderChat } from '../../src/index';
import { TextTokenizer } from '../../src/tokenizer/text-tokenizer';
import { MIN_RATIO_TOKENS } from './results';

export interface BenchPrompt {
  readonly set: 'stories' | 'mt-bench';
  /** 'stories' for story openings; the MT-Bench category otherwise. */
  readonly category: string;
  readonly label: string;
  /** How the product receives it: a text completion, or one user message of a chat completion. */
  readonly kind: 'text' | 'chat';
  /** The story opening, or the user message. */
  readonly content: string;
  /** What the engine encodes: the text as is, or the chat rendered as the Worker renders it. */
  readonly text: string;
}

/** The first `words` words of the first `count` stories that open a paragraph with "Once upon a time". */
export async function storyOpenings(path: string, count: number, words = 12): Promise<BenchPrompt[]> {
  const paragraphs = (await readFile(path, 'utf8')).split(/\n\s*\n/).map((p) => p.trim());
  return paragraphs
    .filter((p) => p.startsWith('Once upon a time'))
    .slice(0, count)
    .map((p, i) => {
      const text = p.split(/\s+/).slice(0, words).join(' ');
      return { set: 'stories', category: 'stories', label: `story ${i + 1}`, kind: 'text', content: text, text };
    });
}

/** The first turn of `count` MT-Bench questions, spread over the categories round-robin. */
export async function mtBenchQuestions(path: string, count: number): Promise<BenchPrompt[]> {
  const rows = (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as { question_id: number; category: string; turns: string[] });
  const byCategory = new Map<string, typeof rows>();
  for (const r of rows) byCategory.set(r.category, [...(byCategory.get(r.category) ?? []), r]);
  const picked: BenchPrompt[] = [];
  for (let round = 0; picked.length < count && round < rows.length; round++) {
    for (const [category, qs] of byCategory) {
      const q = qs[round];
      if (q === undefined || picked.length >= count) continue;
      const content = q.turns[0]!;
      picked.push({
        set: 'mt-bench',
        category,
        label: `${category} #${q.question_id}`,
        kind: 'chat',
        content,
        text: renderChat([{ role: 'user', content }]),
      });
    }
  }
  return picked;
}

/**
 * The prompts the product accepts (shorter than the model's context; a long one's reply may end at the
 * context's end, for every configuration alike), and the others with the reason: the product refuses them
 * with 400 context_length_exceeded (some MT-Bench questions are longer than the story model's 512 positions).
 */
export async function fittingPrompts(
  prompts: readonly BenchPrompt[],
  modelDir: string,
): Promise<{ fit: BenchPrompt[]; leftOut: { name: string; reason: string }[] }> {
  const manifest = parseManifest(new Uint8Array(await readFile(join(modelDir, 'manifest.json'))));
  const { tokenizer: t } = manifest;
  const tokenizer = TextTokenizer.fromJson(new Uint8Array(await readFile(join(modelDir, t.file))), { id: t.eos_token_id, token: t.eos_token }, t.config === undefined ? {} : { config: t.config });
  const context = manifest.architecture.max_positions;
  const fit: BenchPrompt[] = [];
  const leftOut: { name: string; reason: string }[] = [];
  for (const prompt of prompts) {
    const tokens = tokenizer.encode(prompt.text).length;
    // MIN_RATIO_TOKENS of room, or the prompt could not count in the medians anyway
    if (tokens + MIN_RATIO_TOKENS <= context) fit.push(prompt);
    else leftOut.push({ name: `prompt ${prompt.label}`, reason: `${tokens} prompt tokens leave no room in the ${context}-position context` });
  }
  return { fit, leftOut };
}
