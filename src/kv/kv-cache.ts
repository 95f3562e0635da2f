import type { KvLayout, KvStorage, LayerKv } from '../runtime/binding';

/** Positions allocated before the first growth; below this a cache is cheap whatever its length. */
export const INITIAL_KV_POSITIONS = 64;

/**
 * Positions a cache holding `length` entries has allocated: it starts at INITIAL_KV_POSITIONS and doubles
 * when full, up to `capacity` (max_positions). Exported so a memory budget can count what caches hold.
 */
export function allocatedPositions(length: number, capacity: number): number {
  let positions = Math.min(INITIAL_KV_POSITIONS, capacity);
  while (positions < length && positions < capacity) positions = Math.min(capacity, positions * 2);
  return positions;
}

/** Bytes a cache of `length` entries holds: float32 K and V for every layer and KV head. */
export function kvCacheBytes(dims: { layers: number; kvHeads: number; headDim: number; capacity: number }, length: number): number {
  return 2 * 4 * dims.layers * dims.kvHeads * dims.headDim * allocatedPositions(length, dims.capacity);
}

/**
 * The session's K/V cache, one buffer per layer and per K / V, grown as entries arrive (doubling, up to
 * `capacity` = max_positions): a short conversation holds a short cache, not the whole context's.
 *
 * Layout: packed [H_kv, P, D_h] with a head stride of exactly the current length P, so the `past` input
 * the binding needs is a zero-copy prefix view. Appending (or truncating) moves each head's block to its
 * new stride in place (`copyWithin`, a memmove). The alternative — a fixed stride of `capacity` per head
 * and a copy into a packed scratch buffer before every step — moves about the same bytes but in two
 * buffers: measured (6 layers, 8 heads, D_h 32, P 64–512, 3 rows per step) 0.13–0.14 ms per step against
 * 0.06–0.08 ms for the in-place restride, and it needs twice the memory.
 *
 * On a binding's KvStorage (the fused kernel) the layout is the storage's, [P, H_kv, D_h]: an entry is
 * appended where the last one ended and nothing moves, because that binding reads any head stride.
 *
 * The token ids held travel with the entries, so `tokens` is always exactly what the cache holds.
 */
export class KvCache {
  private keys: Float32Array[];
  private values: Float32Array[];
  private readonly held: number[] = [];
  private allocated: number;

  constructor(
    readonly layers: number,
    readonly kvHeads: number,
    readonly headDim: number,
    readonly capacity: number,
    /** The binding's storage (InferenceBinding.kvStorage), so that it reads the cache without copying it. */
    private readonly storage?: KvStorage,
  ) {
    this.allocated = allocatedPositions(0, capacity);
    const size = kvHeads * this.allocated * headDim;
    this.keys = Array.from({ length: layers }, () => this.buffer(size));
    this.values = Array.from({ length: layers }, () => this.buffer(size));
  }

  private buffer(floats: number): Float32Array {
    return this.storage?.allocate(floats) ?? new Float32Array(floats);
  }

  /** Bytes the buffers hold now (allocated, not just used). */
  get bytes(): number {
    return 2 * this.layers * this.keys[0]!.byteLength;
  }

  /** Makes room for `positions` entries: new buffers, the packed prefix copied (the layout is stride = length). */
  private reserve(positions: number): void {
    if (positions <= this.allocated) return;
    this.allocated = allocatedPositions(positions, this.capacity);
    const size = this.kvHeads * this.allocated * this.headDim;
    const used = this.kvHeads * this.length * this.headDim;
    const grow = (old: Float32Array) => {
      const next = this.buffer(size);
      next.set(old.subarray(0, used));
      this.storage?.release(old);
      return next;
    };
    this.keys = this.keys.map(grow);
    this.values = this.values.map(grow);
  }

  get length(): number {
    return this.held.length;
  }

  /** How `past()` is laid out (ForwardInput.pastLayout). */
  get layout(): KvLayout {
    return this.storage?.layout ?? 'heads';
  }

  /** Gives the buffers back to the binding's storage; the cache is empty and unusable afterwards. */
  dispose(): void {
    if (this.storage !== undefined) for (const buffer of [...this.keys, ...this.values]) this.storage.release(buffer);
    this.keys = [];
    this.values = [];
    this.held.length = 0;
  }

  get tokens(): readonly number[] {
    return this.held;
  }

  /** `past` input for the binding, [H_kv, P, D_h] per layer. Valid until the next append / truncate. */
  past(): LayerKv[] {
    const n = this.kvHeads * this.length * this.headDim;
    return this.keys.map((key, i) => ({ key: key.subarray(0, n), value: this.values[i]!.subarray(0, n) }));
  }

  /**
   * Appends selected rows of a `present` block ([H_kv, T, D_h] per layer) for `tokens`, in order:
   * `rows[i]` is the row of `tokens[i]`. Selecting rows is how an accepted tree path is compacted: only
   * the accepted nodes' entries ever enter the cache.
   */
  append(tokens: readonly number[], present: readonly LayerKv[], t: number, rows?: readonly number[]): void {
    const picked = rows ?? tokens.map((_, i) => i);
    if (picked.length !== tokens.length) throw new RangeError('append: one row per token');
    const old = this.length;
    const next = old + tokens.length;
    if (next > this.capacity) throw new RangeError(`KV cache full: ${next} > capacity ${this.capacity}`);
    this.reserve(next);
    const d = this.headDim;
    const byPosition = this.layout === 'positions';
    const heads = this.kvHeads;
    for (let layer = 0; layer < this.layers; layer++) {
      const src = present[layer]!;
      for (const [buf, block] of [[this.keys[layer]!, src.key], [this.values[layer]!, src.value]] as const) {
        if (!byPosition) this.restride(buf, old, next);
        // One row by position: its [H, 1, D_h] block is the position's [H, D_h] entry as it is.
        if (byPosition && t === 1 && picked.length === 1) {
          buf.set(block.subarray(0, heads * d), old * heads * d);
          continue;
        }
        // A head's row at a time, copied in a loop: a subarray per row cost more than the copy (an AR
        // step's append was 96 of them).
        for (let h = 0; h < heads; h++) {
          for (let i = 0; i < picked.length; i++) {
            const from = (h * t + picked[i]!) * d;
            const to = byPosition ? ((old + i) * heads + h) * d : (h * next + old + i) * d;
            for (let j = 0; j < d; j++) buf[to + j] = block[from + j]!;
          }
        }
      }
    }
    this.held.push(...tokens);
  }

  /** Keeps the first n entries. */
  truncate(n: number): void {
    if (n >= this.length) return;
    const target = Math.max(0, n);
    // Position-major entries stay where they are: only the heads layout packs each head's block by length.
    for (let layer = 0; layer < this.layers && this.layout === 'heads'; layer++) {
      this.restride(this.keys[layer]!, this.length, target);
      this.restride(this.values[layer]!, this.length, target);
    }
    this.held.length = target;
  }

  /** Length of the longest common prefix of the cached tokens and `tokens`. */
  commonPrefix(tokens: readonly number[]): number {
    const n = Math.min(tokens.length, this.held.length);
    let i = 0;
    while (i < n && tokens[i] === this.held[i]) i++;
    return i;
  }

  /** Moves every head's block from stride `from` to stride `to` positions, keeping min(from, to) rows. */
  private restride(buf: Float32Array, from: number, to: number): void {
    const d = this.headDim;
    const keep = Math.min(from, to) * d;
    if (to > from) {
      // Growing: move the last head first so no block overwrites one not yet moved.
      for (let h = this.kvHeads - 1; h >= 1; h--) buf.copyWithin(h * to * d, h * from * d, h * from * d + keep);
    } else if (to < from) {
      for (let h = 1; h < this.kvHeads; h++) buf.copyWithin(h * to * d, h * from * d, h * from * d + keep);
    }
  }
}
