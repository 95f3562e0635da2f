import { rowStats } from './row-stats';

/**
 * Vocabulary-wide maths on one logits row. Each function is a single pass (or two) over V; callers run
 * them once per row they need, never once per candidate token.
 */

export function argmax(row: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

export interface RowDistribution {
  /** log Σ exp(l_i / temperature) */
  readonly logSumExp: number;
  /** Entropy of softmax(l / temperature), in nats. */
  readonly entropy: number;
  readonly temperature: number;
  /** Index of the largest logit (found by the max pass anyway, so greedy decoding needs no extra pass). */
  readonly argmax: number;
}

/**
 * log-sum-exp, entropy and argmax of softmax(row / temperature) in two passes: in wasm SIMD where the host
 * compiles wasm (row-stats.ts; the same argmax, the sums in float32 with a 2-ulp exp), else in JS.
 */
export function distribution(row: Float32Array, temperature = 1): RowDistribution {
  const inv = 1 / temperature;
  const fast = rowStats();
  const top = fast?.max(row);
  if (fast !== undefined && top !== undefined) {
    const { sum, weighted } = fast.expSums(row, inv);
    // Float32 sums overflow only for extreme temperatures (logits / T beyond 3.4e38): JS's float64 then.
    if (sum >= 1 && Number.isFinite(sum) && Number.isFinite(weighted)) {
      return { logSumExp: top.value * inv + Math.log(sum), entropy: Math.log(sum) - weighted / sum, temperature, argmax: top.index };
    }
  }
  return distributionJs(row, temperature);
}

/** `distribution` in plain JS (float64 sums, Math.exp): the fallback, and the reference the wasm is tested against. */
export function distributionJs(row: Float32Array, temperature = 1): RowDistribution {
  const inv = 1 / temperature;
  const best = argmax(row);
  const max = row[best]! * inv;
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < row.length; i++) {
    const z = row[i]! * inv - max;
    const e = Math.exp(z);
    sum += e;
    // A -Infinity logit adds nothing (not 0 · -Infinity).
    if (e > 0) weighted += e * z;
  }
  const logSumExp = max + Math.log(sum);
  // H = -Σ p log p = log Σe^z - Σ p z   (z shifted by max; the shift cancels)
  const entropy = Math.log(sum) - weighted / sum;
  return { logSumExp, entropy, temperature, argmax: best };
}

/** p(token) under a distribution computed by `distribution` for the same row. */
export function probability(row: Float32Array, dist: RowDistribution, token: number): number {
  return Math.exp(row[token]! / dist.temperature - dist.logSumExp);
}

/**
 * Indices of the k largest values, largest first. One pass with a small sorted buffer: O(V·k) worst case,
 * O(V) in practice because most values fail the first comparison.
 */
export function topK(row: Float32Array, k: number): number[] {
  const n = Math.min(k, row.length);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (idx.length === n && v <= val[n - 1]!) continue;
    let j = idx.length === n ? n - 1 : idx.length;
    while (j > 0 && val[j - 1]! < v) {
      val[j] = val[j - 1]!;
      idx[j] = idx[j - 1]!;
      j--;
    }
    val[j] = v;
    idx[j] = i;
  }
  return idx;
}
