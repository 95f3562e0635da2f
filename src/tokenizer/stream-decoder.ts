/** Anything that decodes ids to text (the tokenizer, or a stand-in in tests). */
export interface Decoder {
  decode(ids: readonly number[]): string;
}

const REPLACEMENT = '\uFFFD';

/**
 * Incremental detokenisation that never emits half a character. A byte-level token can end inside a
 * multi-byte UTF-8 sequence; decoding it alone yields U+FFFD. So text is released only once decoding no
 * longer ends in U+FFFD, and each token is decoded together with the previous released window so decoders
 * whose output depends on the neighbouring token (leading-space rules) stay exact. The window restarts
 * at every release, so the work per token is constant.
 */
export class StreamDecoder {
  private readonly ids: number[] = [];
  /** Start of the window decoded for context. */
  private prefixOffset = 0;
  /** End of what has been released as text. */
  private readOffset = 0;

  constructor(private readonly decoder: Decoder) {}

  /** Text that became final with these ids ('' while a character is incomplete). */
  push(ids: readonly number[]): string {
    this.ids.push(...ids);
    const prefix = this.decoder.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const text = this.decoder.decode(this.ids.slice(this.prefixOffset));
    if (text.length <= prefix.length || text.endsWith(REPLACEMENT)) return '';
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    return text.slice(prefix.length);
  }

  /** Whatever is held back, at the end of generation (a genuinely invalid tail stays U+FFFD). */
  flush(): string {
    const prefix = this.decoder.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const text = this.decoder.decode(this.ids.slice(this.prefixOffset));
    this.prefixOffset = this.readOffset = this.ids.length;
    return text.slice(prefix.length);
  }
}
