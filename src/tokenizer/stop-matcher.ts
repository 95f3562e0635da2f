/**
 * Finds stop sequences in streamed text. Text that could still be the start of a stop sequence is held
 * back until the next chunk decides it, so a stop split across tokens is never partly emitted.
 */
export class StopMatcher {
  private pending = '';
  private readonly stops: readonly string[];

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  /**
   * Text safe to emit, and whether a stop sequence completed (the stop and all after it are dropped).
   */
  push(chunk: string): { text: string; stopped: boolean } {
    this.pending += chunk;
    // Generation stops at the first stop sequence to complete: the earliest end (then the longest).
    let at = -1;
    let end = Infinity;
    for (const stop of this.stops) {
      const i = this.pending.indexOf(stop);
      if (i === -1) continue;
      const e = i + stop.length;
      if (e < end || (e === end && i < at)) [at, end] = [i, e];
    }
    if (at !== -1) {
      const text = this.pending.slice(0, at);
      this.pending = '';
      return { text, stopped: true };
    }
    const hold = this.heldSuffixLength();
    const text = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return { text, stopped: false };
  }

  /** The held-back tail at the end of generation (it did not turn into a stop). */
  flush(): string {
    const text = this.pending;
    this.pending = '';
    return text;
  }

  /** Longest suffix of the pending text that is a proper prefix of some stop sequence. */
  private heldSuffixLength(): number {
    let best = 0;
    for (const stop of this.stops) {
      for (let n = Math.min(stop.length - 1, this.pending.length); n > best; n--) {
        if (this.pending.endsWith(stop.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
