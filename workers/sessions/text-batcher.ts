import type { TextTrace } from './turn';

/**
 * Decoding steps' text gathered into fewer stream chunks. Every chunk crosses the Durable Object's stream,
 * the Worker's transforms and the response, and with the shipped model's sub-millisecond steps a chunk per
 * step cost a streamed AR turn under workerd 15-20 % of its throughput (CHUNK_BUDGET_MS in conversation.ts).
 * A chunk therefore holds as many steps as fit in `budgetMs` of decoding, judged from the chunks before
 * (the time between two chunks over the steps of the later one; workerd's clock moves only across I/O,
 * which the Durable Object's yield between steps is): the first chunk goes at once, a slow model gets a
 * chunk per step, and no text waits more than about the budget.
 */
export class TextBatcher {
  #text = '';
  #trace: { spans: TextTrace['spans'][number][]; steps: TextTrace['steps'][number][]; prompt_tokens?: number } | null = null;
  #held = 0;
  #tokenIds: number[] = [];
  /** Running estimate of one step's wall time (ms); undefined until a chunk after the first was timed. */
  #stepMs: number | undefined;
  #lastFlush: number | undefined;

  constructor(
    private readonly budgetMs: number,
    private readonly maxSteps: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Adds one step's token ids and, where it released text, that text and its trace. */
  add(tokenIds: readonly number[], text: { readonly text: string; readonly trace: TextTrace } | null): void {
    this.#tokenIds.push(...tokenIds);
    if (text === null) return;
    this.#text += text.text;
    const { trace } = text;
    if (this.#trace === null) {
      this.#trace = { spans: [...trace.spans], steps: [...trace.steps], ...(trace.prompt_tokens === undefined ? {} : { prompt_tokens: trace.prompt_tokens }) };
    } else {
      this.#trace.spans.push(...trace.spans);
      this.#trace.steps.push(...trace.steps);
    }
    this.#held++;
  }

  /** Whether the text held should go out now (the steps it holds reach the budget). */
  get due(): boolean {
    if (this.#trace === null) return false;
    if (this.#stepMs === undefined) return true;
    return this.#held >= Math.max(1, Math.min(this.maxSteps, Math.floor(this.budgetMs / this.#stepMs)));
  }

  /**
   * The text held, as one chunk, and the token ids that came with it (and with any steps since that released
   * none); null when there is no text. The ids count as delivered once the chunk is.
   */
  take(): { readonly text: string; readonly trace: TextTrace; readonly tokenIds: number[] } | null {
    const trace = this.#trace;
    if (trace === null) return null;
    const now = this.now();
    if (this.#lastFlush !== undefined) {
      const sample = (now - this.#lastFlush) / this.#held;
      this.#stepMs = this.#stepMs === undefined ? sample : this.#stepMs + (sample - this.#stepMs) * 0.25;
    }
    this.#lastFlush = now;
    const chunk = { text: this.#text, trace, tokenIds: this.#tokenIds };
    this.#text = '';
    this.#trace = null;
    this.#held = 0;
    this.#tokenIds = [];
    return chunk;
  }

  /** Token ids of steps that released no text yet (counted as delivered with the last chunk at the end). */
  rest(): number[] {
    const ids = this.#tokenIds;
    this.#tokenIds = [];
    return ids;
  }
}
