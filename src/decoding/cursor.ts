import type { ForwardOutput } from '../runtime/binding';

/**
 * The model's view at the last position in the cache: the logits that predict the next token and the
 * hidden state the heads read. Everything a step decides (gate, root token, candidates) comes from it.
 */
export interface Cursor {
  /** [V] */
  readonly logits: Float32Array;
  /** [D] */
  readonly hidden: Float32Array;
}

/** The cursor after a forward's last row, whether it returned every row's logits or only the last's (views). */
export function lastCursor(out: ForwardOutput, rows: number, vocab: number, dModel: number): Cursor {
  const logitRows = out.logits.length / vocab;
  return {
    logits: out.logits.subarray((logitRows - 1) * vocab, logitRows * vocab),
    hidden: out.hidden.subarray((rows - 1) * dModel, rows * dModel),
  };
}

/** The cursor at row `row` of a forward's output (views, no copy). */
export function cursorAt(out: ForwardOutput, row: number, vocab: number, dModel: number): Cursor {
  return {
    logits: out.logits.subarray(row * vocab, (row + 1) * vocab),
    hidden: out.hidden.subarray(row * dModel, (row + 1) * dModel),
  };
}
