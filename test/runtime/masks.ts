/** Mask and input builders for runtime tests (additive masks, [T, P+T] row-major). */
import type { ForwardInput, LayerKv } from '../../src/runtime';

export const BLOCKED = -10000;

export function causalMask(t: number, p: number): Float32Array {
  const mask = new Float32Array(t * (p + t));
  for (let i = 0; i < t; i++) mask.fill(BLOCKED, i * (p + t) + p + i + 1, (i + 1) * (p + t));
  return mask;
}

/** Tree of T nodes after P cached tokens: node i sees the cache, its ancestors and itself. */
export function treeMask(parents: readonly number[], p: number): Float32Array {
  const t = parents.length;
  const mask = new Float32Array(t * (p + t)).fill(BLOCKED);
  for (let i = 0; i < t; i++) {
    mask.fill(0, i * (p + t), i * (p + t) + p);
    for (let node = i; node >= 0; node = parents[node] as number) mask[i * (p + t) + p + node] = 0;
  }
  return mask;
}

export function depths(parents: readonly number[]): number[] {
  return parents.map((_, i) => {
    let d = 0;
    for (let node = parents[i] as number; node >= 0; node = parents[node] as number) d++;
    return d;
  });
}

/** Path from the tree's root to node i, as node indices. */
export function pathTo(parents: readonly number[], i: number): number[] {
  const path: number[] = [];
  for (let node = i; node >= 0; node = parents[node] as number) path.unshift(node);
  return path;
}

export function causalInput(tokens: readonly number[], past: readonly LayerKv[], p: number): ForwardInput {
  return {
    inputIds: tokens,
    positionIds: tokens.map((_, i) => p + i),
    mask: causalMask(tokens.length, p),
    past,
    pastLength: p,
  };
}

/** Appends the new K/V ([H_kv, T, D_h] per layer) to a cache of P positions ([H_kv, P, D_h]). */
export function appendKv(
  past: readonly LayerKv[],
  added: readonly LayerKv[],
  sizes: { p: number; t: number; heads: number; headDim: number },
): LayerKv[] {
  const { p, t, heads, headDim: d } = sizes;
  const join = (a: Float32Array, b: Float32Array): Float32Array => {
    const out = new Float32Array(heads * (p + t) * d);
    for (let h = 0; h < heads; h++) {
      out.set(a.subarray(h * p * d, (h + 1) * p * d), h * (p + t) * d);
      out.set(b.subarray(h * t * d, (h + 1) * t * d), h * (p + t) * d + p * d);
    }
    return out;
  };
  return past.map((layer, i) => ({
    key: join(layer.key, (added[i] as LayerKv).key),
    value: join(layer.value, (added[i] as LayerKv).value),
  }));
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Row `row` of a [rows, width] matrix. */
export function rowOf(matrix: Float32Array, row: number, width: number): Float32Array {
  return matrix.subarray(row * width, (row + 1) * width);
}
