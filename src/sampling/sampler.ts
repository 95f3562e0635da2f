import type { Sampling } from '../types';
import { argmax, topK } from './logits';
import { mulberry32, randomSeed, type Prng } from './prng';

/** Picks the next token from one logits row. */
export interface Sampler {
  readonly greedy: boolean;
  /** Temperature for typical acceptance; 1 when greedy (unused then). */
  readonly temperature: number;
  sample(row: Float32Array): number;
}

export function createSampler(sampling: Sampling): Sampler {
  if (sampling.kind === 'greedy') return { greedy: true, temperature: 1, sample: argmax };
  const prng = mulberry32(sampling.seed ?? randomSeed());
  const { temperature, topK: k, topP } = sampling;
  return {
    greedy: false,
    temperature,
    sample: (row) => sampleFiltered(row, { temperature, topK: k, topP }, prng),
  };
}

export interface FilterOptions {
  readonly temperature: number;
  readonly topK?: number | undefined;
  readonly topP?: number | undefined;
}

/**
 * The candidate set after top-k then top-p, with their probabilities (renormalised), largest first.
 * Without top-k, the row is sorted once: O(V log V), once per sampled token.
 */
export function filteredDistribution(row: Float32Array, opts: FilterOptions): { ids: number[]; probs: number[] } {
  const ids = opts.topK !== undefined && opts.topK > 0 ? topK(row, opts.topK) : sortedIndices(row);
  const inv = 1 / opts.temperature;
  const top = row[ids[0]!]! * inv;
  const weights = ids.map((id) => Math.exp(row[id]! * inv - top));
  const total = weights.reduce((a, b) => a + b, 0);
  let probs = weights.map((w) => w / total);
  if (opts.topP !== undefined && opts.topP < 1) {
    // Smallest prefix whose mass reaches topP (always at least one token).
    let mass = 0;
    let keep = 0;
    while (keep < probs.length && (keep === 0 || mass < opts.topP)) mass += probs[keep++]!;
    probs = probs.slice(0, keep).map((p) => p / mass);
    return { ids: ids.slice(0, keep), probs };
  }
  return { ids, probs };
}

export function sampleFiltered(row: Float32Array, opts: FilterOptions, prng: Prng): number {
  const { ids, probs } = filteredDistribution(row, opts);
  let u = prng.next();
  for (let i = 0; i < ids.length; i++) {
    u -= probs[i]!;
    if (u < 0) return ids[i]!;
  }
  return ids[ids.length - 1]!;
}

function sortedIndices(row: Float32Array): number[] {
  const ids = Array.from({ length: row.length }, (_, i) => i);
  return ids.sort((a, b) => row[b]! - row[a]! || a - b);
}
