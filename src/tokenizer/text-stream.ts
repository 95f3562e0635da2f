import { StopMatcher } from './stop-matcher';
import { StreamDecoder, type Decoder } from './stream-decoder';

/** Generated ids in, final text out: whole characters only, stop sequences cut. */
export class TextStream {
  private readonly decoder: StreamDecoder;
  private readonly stops: StopMatcher;

  constructor(tokenizer: Decoder, stop: readonly string[]) {
    this.decoder = new StreamDecoder(tokenizer);
    this.stops = new StopMatcher(stop);
  }

  /** One token at a time, so a stop sequence is attributed to the token that completes it. */
  push(id: number): { text: string; stopped: boolean } {
    return this.stops.push(this.decoder.push([id]));
  }

  /** The held-back text at a normal end (EOS, length); a stop can still be found in it. */
  flush(): { text: string; stopped: boolean } {
    const tail = this.stops.push(this.decoder.flush());
    return tail.stopped ? tail : { text: tail.text + this.stops.flush(), stopped: false };
  }
}
