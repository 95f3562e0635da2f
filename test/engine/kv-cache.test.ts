import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocatedPositions, INITIAL_KV_POSITIONS, KvCache, kvCacheBytes } from '../../src/kv/kv-cache';
import type { LayerKv } from '../../src/runtime/binding';

const LAYERS = 2;
const HEADS = 3;
const DIM = 4;

/** A `present` block [H, T, D] per layer whose every float encodes (layer, k/v, head, token, dim). */
function presentFor(tokens: readonly number[]): LayerKv[] {
  const t = tokens.length;
  return Array.from({ length: LAYERS }, (_, layer) => {
    const fill = (kv: number) => {
      const a = new Float32Array(HEADS * t * DIM);
      for (let h = 0; h < HEADS; h++)
        for (let i = 0; i < t; i++) for (let d = 0; d < DIM; d++) a[(h * t + i) * DIM + d] = encode(layer, kv, h, tokens[i]!, d);
      return a;
    };
    return { key: fill(0), value: fill(1) };
  });
}

function encode(layer: number, kv: number, head: number, token: number, dim: number): number {
  return ((layer * 2 + kv) * 8 + head) * 100_000 + token * 10 + dim;
}

/** The past input the binding must get for these tokens: [H, P, D] per layer, contiguous. */
function expectPast(cache: KvCache, tokens: readonly number[]): void {
  expect(cache.tokens).toEqual(tokens);
  const past = cache.past();
  expect(past).toHaveLength(LAYERS);
  past.forEach((layer, l) => {
    [layer.key, layer.value].forEach((buf, kv) => {
      expect(buf.length).toBe(HEADS * tokens.length * DIM);
      const want = new Float32Array(buf.length);
      for (let h = 0; h < HEADS; h++)
        tokens.forEach((tok, p) => {
          for (let d = 0; d < DIM; d++) want[(h * tokens.length + p) * DIM + d] = encode(l, kv, h, tok, d);
        });
      expect(Array.from(buf)).toEqual(Array.from(want));
    });
  });
}

describe('KvCache', () => {
  it('appends blocks and exposes a packed [H, P, D] past', () => {
    const cache = new KvCache(LAYERS, HEADS, DIM, 16);
    expectPast(cache, []);
    cache.append([5, 6, 7], presentFor([5, 6, 7]), 3);
    expectPast(cache, [5, 6, 7]);
    cache.append([8], presentFor([8]), 1);
    expectPast(cache, [5, 6, 7, 8]);
  });

  it('compacts a tree block: only the accepted rows enter, in path order', () => {
    const cache = new KvCache(LAYERS, HEADS, DIM, 16);
    cache.append([1, 2], presentFor([1, 2]), 2);
    // Tree of 5 nodes; the accepted path is nodes 0 → 2 → 4.
    const nodeTokens = [30, 31, 32, 33, 34];
    cache.append([30, 32, 34], presentFor(nodeTokens), 5, [0, 2, 4]);
    expectPast(cache, [1, 2, 30, 32, 34]);
  });

  it('truncates in place and keeps appending correctly afterwards', () => {
    const cache = new KvCache(LAYERS, HEADS, DIM, 16);
    cache.append([1, 2, 3, 4, 5], presentFor([1, 2, 3, 4, 5]), 5);
    cache.truncate(2);
    expectPast(cache, [1, 2]);
    cache.append([9, 10], presentFor([9, 10]), 2);
    expectPast(cache, [1, 2, 9, 10]);
    cache.truncate(0);
    expectPast(cache, []);
  });

  it('refuses to grow beyond capacity without changing its contents', () => {
    const cache = new KvCache(LAYERS, HEADS, DIM, 3);
    cache.append([1, 2], presentFor([1, 2]), 2);
    expect(() => cache.append([3, 4], presentFor([3, 4]), 2)).toThrow(RangeError);
    expectPast(cache, [1, 2]);
  });

  it('finds the longest common prefix with a new prompt', () => {
    const cache = new KvCache(LAYERS, HEADS, DIM, 16);
    cache.append([1, 2, 3], presentFor([1, 2, 3]), 3);
    expect(cache.commonPrefix([1, 2, 3, 4])).toBe(3);
    expect(cache.commonPrefix([1, 2, 9])).toBe(2);
    expect(cache.commonPrefix([7])).toBe(0);
    expect(cache.commonPrefix([1])).toBe(1);
  });

  it('allocates as it grows: the initial positions, then doubling up to the capacity, never more', () => {
    const capacity = INITIAL_KV_POSITIONS * 3;
    const cache = new KvCache(LAYERS, HEADS, DIM, capacity);
    const perPosition = 2 * 4 * LAYERS * HEADS * DIM;
    expect(cache.bytes).toBe(perPosition * INITIAL_KV_POSITIONS);
    const tokens = Array.from({ length: capacity }, (_, i) => i);
    let held = 0;
    for (const step of [INITIAL_KV_POSITIONS, 1, INITIAL_KV_POSITIONS, capacity - 2 * INITIAL_KV_POSITIONS - 1]) {
      const chunk = tokens.slice(held, held + step);
      cache.append(chunk, presentFor(chunk), chunk.length);
      held += step;
      expect(cache.bytes).toBe(perPosition * allocatedPositions(held, capacity));
      expect(cache.bytes).toBe(kvCacheBytes({ layers: LAYERS, kvHeads: HEADS, headDim: DIM, capacity }, held));
      expectPast(cache, tokens.slice(0, held));
    }
    expect(allocatedPositions(INITIAL_KV_POSITIONS + 1, capacity)).toBe(2 * INITIAL_KV_POSITIONS);
    expect(allocatedPositions(capacity, capacity)).toBe(capacity);
    expect(() => cache.append([1], presentFor([1]), 1)).toThrow(RangeError);
  });

  it('matches a reference list under any sequence of appends, tree appends and truncations', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), tokens: fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 30 }) }),
      fc.record({
        kind: fc.constant('tree' as const),
        nodes: fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 6 }),
        keep: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      }),
      fc.record({ kind: fc.constant('truncate' as const), to: fc.nat(160) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        // Past INITIAL_KV_POSITIONS, so the property covers the cache's growth too.
        const cache = new KvCache(LAYERS, HEADS, DIM, 160);
        const reference: number[] = [];
        for (const o of ops) {
          if (o.kind === 'append') {
            if (reference.length + o.tokens.length > 160) continue;
            cache.append(o.tokens, presentFor(o.tokens), o.tokens.length);
            reference.push(...o.tokens);
          } else if (o.kind === 'tree') {
            const rows = o.nodes.map((_, i) => i).filter((i) => o.keep[i]);
            if (rows.length === 0 || reference.length + rows.length > 160) continue;
            const tokens = rows.map((r) => o.nodes[r]!);
            cache.append(tokens, presentFor(o.nodes), o.nodes.length, rows);
            reference.push(...tokens);
          } else {
            cache.truncate(o.to);
            reference.length = Math.min(reference.length, o.to);
          }
          expectPast(cache, reference);
        }
      }),
      { numRuns: 200 },
    );
  });
});
