// AssemblyScript source of the row statistics module (src/runtime/kernel/row-stats-wasm.ts; build:
// `npm run build:kernel`): the max, its first index, and Σ e^z, Σ z e^z (z = (l - max) / temperature) of one
// logits row in WebAssembly SIMD. The gate reads the entropy of every step's next-token distribution and
// typical acceptance that of every tree row; in JS that pass costs about 0.05 ms on V = 4096 (Math.exp per
// element), 4 % of an AR step of the shipped model. Its own memory (not shared, not the kernel's). Where wasm
// cannot be compiled at run time (workerd) the engine keeps the JS pass.
//
// Layout: results at 0 (f32 max, i32 index of its first occurrence, f32 Σ e^z, f32 Σ z e^z), the row from
// ROW. The caller grows the memory (`reserve`) and writes the row.

import { expx4 } from './expx4';

const ROW: usize = 16;

/** Grows the memory to hold a row of `n` floats; returns the row's offset. */
export function reserve(n: i32): usize {
  const bytes = ROW + (<usize>n << 2);
  const have = <usize>memory.size() << 16;
  if (bytes > have) memory.grow(<i32>((bytes - have + 0xffff) >> 16));
  return ROW;
}

/** Max and its first index; returns 0 when the max is not finite (NaN, or every value -Infinity): the caller's JS then decides. */
export function maxOf(n: i32): i32 {
  let m4 = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const at = ROW + (<usize>i << 2);
    m4 = f32x4.max(f32x4.max(f32x4.max(m4, v128.load(at)), f32x4.max(v128.load(at, 16), v128.load(at, 32))), v128.load(at, 48));
  }
  for (; i + 4 <= n; i += 4) m4 = f32x4.max(m4, v128.load(ROW + (<usize>i << 2)));
  let m = max(max(f32x4.extract_lane(m4, 0), f32x4.extract_lane(m4, 1)), max(f32x4.extract_lane(m4, 2), f32x4.extract_lane(m4, 3)));
  for (; i < n; i++) m = max(m, load<f32>(ROW + (<usize>i << 2)));
  if (!isFinite(m)) return 0;
  // The first index holding the max, as a scalar scan from the start would find it.
  const mv = f32x4.splat(m);
  let first = 0;
  for (; first + 4 <= n; first += 4) if (v128.any_true(f32x4.eq(v128.load(ROW + (<usize>first << 2)), mv))) break;
  while (load<f32>(ROW + (<usize>first << 2)) != m) first++;
  store<f32>(0, m);
  store<i32>(4, first);
  return 1;
}

/** After `maxOf`: Σ e^z and Σ z e^z over the row, z = (l - max) · invTemperature, into the results. */
export function expSums(n: i32, invTemperature: f32): void {
  const shift = f32x4.splat(load<f32>(0) * invTemperature);
  const scale = f32x4.splat(invTemperature);
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), w0 = f32x4.splat(0), w1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const at = ROW + (<usize>i << 2);
    const z0 = f32x4.sub(f32x4.mul(v128.load(at), scale), shift);
    const z1 = f32x4.sub(f32x4.mul(v128.load(at, 16), scale), shift);
    const e0 = expx4(z0);
    const e1 = expx4(z1);
    s0 = f32x4.add(s0, e0);
    s1 = f32x4.add(s1, e1);
    // A -Infinity logit has e = 0 and z = -Infinity: its term is 0, not 0 · -Infinity.
    w0 = f32x4.add(w0, v128.andnot(f32x4.mul(e0, z0), f32x4.eq(e0, f32x4.splat(0))));
    w1 = f32x4.add(w1, v128.andnot(f32x4.mul(e1, z1), f32x4.eq(e1, f32x4.splat(0))));
  }
  const s = f32x4.add(s0, s1);
  const w = f32x4.add(w0, w1);
  let sum = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  let weighted = (f32x4.extract_lane(w, 0) + f32x4.extract_lane(w, 1)) + (f32x4.extract_lane(w, 2) + f32x4.extract_lane(w, 3));
  for (; i < n; i++) {
    const z = load<f32>(ROW + (<usize>i << 2)) * invTemperature - load<f32>(0) * invTemperature;
    const e = f32x4.extract_lane(expx4(f32x4.splat(z)), 0);
    sum += e;
    if (e != 0) weighted += e * z;
  }
  store<f32>(8, sum);
  store<f32>(12, weighted);
}
