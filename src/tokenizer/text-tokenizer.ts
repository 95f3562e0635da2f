import { Tokenizer } from '@huggingface/tokenizers';
import { EngineError } from '../errors';

/** Text ↔ token ids for one model, over Hugging Face's tokenizer.json (byte-level BPE). */
export class TextTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly eosTokenId: number,
    readonly eosToken: string,
  ) {}

  /** `config`: manifest.tokenizer.config (tokenizers.js's tokenizer_config). */
  static fromJson(
    bytes: Uint8Array,
    eos: { id: number; token: string },
    options: { file?: string; config?: Record<string, unknown> } = {},
  ): TextTokenizer {
    const file = options.file ?? 'tokenizer.json';
    let tokenizer: Tokenizer;
    try {
      const json: unknown = JSON.parse(new TextDecoder().decode(bytes));
      // Decoding must be exact whatever the config says: the library's default clean-up rewrites " ." to
      // "." and similar (decode() also passes the flag explicitly).
      tokenizer = new Tokenizer(json as object, { ...options.config, clean_up_tokenization_spaces: false });
    } catch (cause) {
      throw new EngineError('invalid-manifest', `${file}: not a Hugging Face tokenizer.json`, { file, cause });
    }
    const eosId = tokenizer.token_to_id(eos.token);
    if (eosId !== eos.id) {
      throw new EngineError('invalid-manifest', `${file}: ${eos.token} has id ${eosId}, manifest says ${eos.id}`, { file });
    }
    return new TextTokenizer(tokenizer, eos.id, eos.token);
  }

  /** Plain text to ids; `<|endoftext|>` written in the text becomes the special token. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }
}
