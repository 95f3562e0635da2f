import { costRatio } from './cost-curve';
import type { CostModel } from '../types';

/*
 * Drafts copied from the context (prompt lookup): when the last few tokens, root included, occurred
 * earlier in the conversation, the tokens that followed them then are proposed as a chain, verified in one
 * forward pass without a heads call. Text that quotes its prompt (extraction, code, names, a story that
 * repeats itself) continues as it did, which decoding heads trained on stories rarely guess out of domain.
 * Verification keeps the output exactly the base model's.
 */

/** Tokens that must match, root included, before a copy is proposed (3: shorter matches mislead). */
export const DRAFT_MATCH = 3;
/** Longest chain proposed; the cost model cuts it shorter on backends where rows are expensive. */
export const MAX_DRAFT = 8;
/**
 * Prior per draft position: it counts as this many proposals of which PRIOR_HIT_RATE were accepted, so a
 * session's own drafts take over after a few steps. (Measured offline on held-out story openings and
 * MT-Bench questions, greedy: 55–69 % of first draft tokens accepted, and most of those continue.)
 */
const PRIOR_TRIALS = 4;
const PRIOR_HIT_RATE = 0.6;

/**
 * The chain that followed the most recent earlier occurrence of the last DRAFT_MATCH tokens of
 * `context` + `root`, at most `max` tokens (empty when there is none).
 */
export function contextDraft(context: readonly number[], root: number, max: number): number[] {
  const n = DRAFT_MATCH;
  const length = context.length + 1;
  if (max < 1 || length <= n) return [];
  const at = (i: number): number => (i === context.length ? root : context[i]!);
  const tail = length - n;
  for (let start = tail - 1; start >= 0; start--) {
    let j = 0;
    while (j < n && at(start + j) === at(tail + j)) j++;
    if (j < n) continue;
    const out: number[] = [];
    for (let i = start + n; i < length && out.length < max; i++) out.push(at(i));
    return out;
  }
  return [];
}

/** What drafts from the context accept in this session, per chain position, and how long a chain pays. */
export class DraftAcceptance {
  private readonly hits = new Array<number>(MAX_DRAFT).fill(PRIOR_TRIALS * PRIOR_HIT_RATE);
  private readonly trials = new Array<number>(MAX_DRAFT).fill(PRIOR_TRIALS);

  /** Extra tokens a chain of `length` is expected to accept. */
  expectedAccepted(length: number): number {
    let reach = 1;
    let sum = 0;
    for (let d = 0; d < Math.min(length, MAX_DRAFT); d++) {
      reach *= this.hits[d]! / this.trials[d]!;
      sum += reach;
    }
    return sum;
  }

  /**
   * The chain length (1..available) with the most tokens per unit of cost, and that value (tokens per AR
   * step's cost); a draft step costs a forward of 1 + length rows and no heads call.
   */
  best(available: number, cost: Pick<CostModel, 'points'>): { length: number; value: number } {
    let best = { length: 0, value: 0 };
    for (let m = 1; m <= Math.min(available, MAX_DRAFT); m++) {
      const value = (1 + this.expectedAccepted(m)) / costRatio(cost, 1 + m);
      if (value > best.value) best = { length: m, value };
    }
    return best;
  }

  /** A verified chain of `length` that accepted `accepted` tokens. */
  record(length: number, accepted: number): void {
    for (let d = 0; d < Math.min(length, accepted + 1, MAX_DRAFT); d++) {
      this.trials[d]!++;
      if (d < accepted) this.hits[d]!++;
    }
  }
}
