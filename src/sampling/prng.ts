/**
 * Seeded PRNG (mulberry32): 32-bit state, fast, good enough for sampling. Same seed, same stream, on
 * every runtime, so a seeded request is reproducible.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
}

export function mulberry32(seed: number): Prng {
  let state = seed >>> 0;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** A seed for requests that did not ask for one. */
export function randomSeed(): number {
  const buf = new Uint32Array(1);
  crypto.getRandomValues(buf);
  return buf[0]!;
}
