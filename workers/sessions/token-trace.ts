/**
 * Token provenance for the stream: which of the text's tokens the base model produced and which a head
 * proposed and verification accepted, and how each decoding step went (the gate's decision, its entropy
 * and threshold). Text is released later than ids (half characters, possible stop sequences), so the
 * tracer decodes each id itself and hands out the text in the order the engine releases it.
 */
import { StreamDecoder, type GenerationEvent, type TextTokenizer } from '../engine';
import { COPIED_FROM_CONTEXT, type StepRecord, type TextTrace, type TokenSpan } from './turn';

type TokensEvent = Extract<GenerationEvent, { type: 'tokens' }>;

export class TokenTracer {
  /** Null when the client did not ask for provenance: no second decoding of every id (npm run bench:detokenize). */
  readonly #decoder: StreamDecoder | null;
  /** Text decoded from ids but not yet released by the engine, by source. */
  #pending: TokenSpan[] = [];
  /** Steps since the last released text. */
  #steps: StepRecord[] = [];
  #lastFrom = 0;
  #promptTokens: number | undefined;

  /** `tokenizer` null: steps only (what the accounting needs), no spans. */
  constructor(tokenizer: Pick<TextTokenizer, 'decode'> | null, promptTokens: number) {
    this.#decoder = tokenizer === null ? null : new StreamDecoder(tokenizer);
    this.#promptTokens = promptTokens;
  }

  /** The trace of the text `event` releases; null when it releases none (its steps go with the next text). */
  trace(event: TokensEvent): TextTrace | null {
    const kind = event.step?.kind;
    const decoder = this.#decoder;
    if (decoder !== null) {
      event.tokenIds.forEach((id, i) => {
        // In a parallel step the i-th committed token is the base model's (i = 0) or head i's; in a draft
        // step the tokens after the base model's were copied from the context.
        const from = i === 0 ? 0 : kind === 'parallel' ? i : kind === 'draft' ? COPIED_FROM_CONTEXT : 0;
        this.#lastFrom = from;
        const piece = decoder.push([id]);
        if (piece.length > 0) this.#pending.push({ text: piece, from });
      });
    }
    if (event.step !== undefined) {
      const { kind, entropy, threshold, treeSize } = event.step;
      this.#steps.push({ kind, tokens: event.tokenIds.length, entropy, threshold, tree_size: treeSize });
    }
    if (event.text.length === 0) return null;
    const trace: TextTrace = {
      spans: this.#decoder === null ? [] : this.#spansOf(this.#decoder, event.text),
      steps: this.#steps,
      ...(this.#promptTokens === undefined ? {} : { prompt_tokens: this.#promptTokens }),
    };
    this.#steps = [];
    this.#promptTokens = undefined;
    return trace;
  }

  /** `text` cut into spans by source; the spans' texts are slices of `text`, so they always add up to it. */
  #spansOf(decoder: StreamDecoder, text: string): TokenSpan[] {
    const spans: TokenSpan[] = [];
    let at = 0;
    while (at < text.length) {
      if (this.#pending.length === 0) {
        // The engine flushed text it held back (end of generation): so do we.
        const tail = decoder.flush();
        this.#pending.push({ text: tail.length > 0 ? tail : text.slice(at), from: this.#lastFrom });
      }
      const head = this.#pending[0]!;
      const n = Math.min(head.text.length, text.length - at);
      spans.push({ text: text.slice(at, at + n), from: head.from });
      at += n;
      if (n === head.text.length) this.#pending.shift();
      else this.#pending[0] = { text: head.text.slice(n), from: head.from };
    }
    return spans;
  }
}
