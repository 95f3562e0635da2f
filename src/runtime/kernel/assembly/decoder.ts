// AssemblyScript source of the fused decoder kernel (src/runtime/kernel/decoder.wasm; build:
// `npm run build:kernel`). One decoder step of a docs/model-contract.md base (llama layout: RMSNorm,
// q|k|v projection, rotate-half rotary, softmax attention over the cache and the step's own rows under an
// additive mask, SwiGLU, tied LM head) over weights packed by kernel-pack.ts; JS only copies inputs in
// and results out.
//
// Why our own kernel: onnxruntime spends 40 % of a T = 1 step of this 6 M model dispatching ~200 small
// operators, and its intra-op threads cannot split them profitably (docs/benchmarks/peer.md). Here a step
// is one call per layer phase, and matmuls split by output rows across threads that share this memory.
//
// Exactness: every row's result is computed by the same sequence of float operations whatever the other
// rows are. Matmuls are per-row dot products in a fixed order; attention visits the allowed keys in column
// order (the cache, then the step's rows) and skips blocked ones, which a blocked key's exp(-1e4) = 0 term
// would not change anyway. So a tree node's logits equal, bit for bit, those the same token gets as an AR
// step once its ancestors are in the cache.

import { expx4 } from './expx4';

// y[t, n] = dot(w[n, :], x[t, :]) for n in [n0, n1) (n0, n1 multiples of 8), t < rows. w is packed in
// blocks of 4 outputs (kernel-pack.ts): block b holds outputs 4b..4b+3, K-chunk by K-chunk of 4 floats,
// the 4 outputs' chunks side by side in one 64-byte cache line, so every pass over a block reads whole
// lines in order. (Blocks of 8 outputs, read 4 at a time by the two-row path, made each of its two passes
// fetch every other line: a 2-row fp32 step cost 1.8 one-row steps; scratch, 2026-12-03.) At one row the
// matmul is bound by reading the weights. x rows of K with stride xs, y rows with stride ys (floats); K a
// multiple of 4. Every dot product is one 4-lane accumulator over K in order, then its lanes summed,
// whichever path computes it (one row or two): so a row's result never depends on how many rows there are.
export function matmul(w: usize, x: usize, y: usize, k: i32, rows: i32, xs: i32, ys: i32, n0: i32, n1: i32): void {
  const rowBytes = <usize>k << 2;
  const blockBytes = rowBytes << 2;
  for (let n = n0; n < n1; n += 8) {
    const block = w + <usize>n * rowBytes;
    let t = 0;
    for (; t + 1 < rows; t += 2) {
      const x0 = x + ((<usize>t * <usize>xs) << 2);
      const x1 = x0 + ((<usize>xs) << 2);
      const y0 = y + ((<usize>t * <usize>ys + <usize>n) << 2);
      const y1 = y0 + ((<usize>ys) << 2);
      pair(block, blockBytes, x0, x1, y0, y1);
      pair(block + blockBytes, blockBytes, x0, x1, y0 + 16, y1 + 16);
    }
    if (t < rows) {
      const xr = x + ((<usize>t * <usize>xs) << 2);
      const yr = y + ((<usize>t * <usize>ys + <usize>n) << 2);
      single(block, blockBytes, xr, yr);
      single(block + blockBytes, blockBytes, xr, yr + 16);
    }
  }
}

// The 4 outputs of a packed block (p; bb bytes long) of two input rows.
// @ts-ignore: decorator
@inline function pair(p: usize, bb: usize, x0: usize, x1: usize, y0: usize, y1: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  const end = p + bb;
  for (; p < end; p += 64) {
    const u = v128.load(x0);
    const v = v128.load(x1);
    let c = v128.load(p);
    a0 = madd(c, u, a0);
    b0 = madd(c, v, b0);
    c = v128.load(p, 16);
    a1 = madd(c, u, a1);
    b1 = madd(c, v, b1);
    c = v128.load(p, 32);
    a2 = madd(c, u, a2);
    b2 = madd(c, v, b2);
    c = v128.load(p, 48);
    a3 = madd(c, u, a3);
    b3 = madd(c, v, b3);
    x0 += 16;
    x1 += 16;
  }
  store<f32>(y0, lanes(a0));
  store<f32>(y0, lanes(a1), 4);
  store<f32>(y0, lanes(a2), 8);
  store<f32>(y0, lanes(a3), 12);
  store<f32>(y1, lanes(b0));
  store<f32>(y1, lanes(b1), 4);
  store<f32>(y1, lanes(b2), 8);
  store<f32>(y1, lanes(b3), 12);
}

// The 4 outputs of a packed block (p; bb bytes long) of one input row: one stream, read in order.
// @ts-ignore: decorator
@inline function single(p: usize, bb: usize, x: usize, y: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  const end = p + bb;
  for (; p < end; p += 64) {
    const u = v128.load(x);
    a0 = madd(v128.load(p), u, a0);
    a1 = madd(v128.load(p, 16), u, a1);
    a2 = madd(v128.load(p, 32), u, a2);
    a3 = madd(v128.load(p, 48), u, a3);
    x += 16;
  }
  store<f32>(y, lanes(a0));
  store<f32>(y, lanes(a1), 4);
  store<f32>(y, lanes(a2), 8);
  store<f32>(y, lanes(a3), 12);
}

// Row `row` (k floats) of a table packed as matmul's weights (the embedding, which is the tied LM head),
// unpacked into out.
export function unpackRow(w: usize, row: i32, k: i32, out: usize): void {
  const rowBytes = <usize>k << 2;
  let p = w + <usize>(row & ~3) * rowBytes + (<usize>(row & 3) << 4);
  for (let i: usize = 0; i < rowBytes; i += 16) {
    v128.store(out + i, v128.load(p));
    p += 64;
  }
}

// a * b + c per lane: one fused multiply-add where the build has relaxed SIMD (decoder-fma), else a multiply
// then an add. Either way the same for every row of a step, which is what exactness needs.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline function lanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// out[t] = x[t] / sqrt(mean(x[t]^2) + eps) * w, rows of d floats (d a multiple of 4).
export function rmsNorm(x: usize, w: usize, out: usize, d: i32, rows: i32, eps: f32): void {
  const bytes = <usize>d << 2;
  for (let t = 0; t < rows; t++) {
    const xr = x + <usize>t * bytes;
    const orow = out + <usize>t * bytes;
    let acc = f32x4.splat(0);
    for (let i: usize = 0; i < bytes; i += 16) {
      const v = v128.load(xr + i);
      acc = f32x4.add(acc, f32x4.mul(v, v));
    }
    const inv = f32x4.splat(<f32>1 / Mathf.sqrt(lanes(acc) / <f32>d + eps));
    for (let i: usize = 0; i < bytes; i += 16) {
      v128.store(orow + i, f32x4.mul(f32x4.mul(v128.load(xr + i), inv), v128.load(w + i)));
    }
  }
}

// Rotate-half rotary, in place, on `heads` consecutive heads of dh floats in each row of qkv (stride
// floats); cos/sin: per row, dh/2 floats each (the row's position), times `scale`.
export function rotary(qkv: usize, stride: i32, rows: i32, heads: i32, dh: i32, cos: usize, sin: usize, scale: f32): void {
  const half = dh >> 1;
  for (let t = 0; t < rows; t++) {
    const c = cos + ((<usize>t * <usize>half) << 2);
    const s = sin + ((<usize>t * <usize>half) << 2);
    for (let h = 0; h < heads; h++) {
      const base = qkv + ((<usize>t * <usize>stride + <usize>h * <usize>dh) << 2);
      for (let j = 0; j < half; j++) {
        const p1 = base + (<usize>j << 2);
        const p2 = p1 + (<usize>half << 2);
        const x1 = load<f32>(p1);
        const x2 = load<f32>(p2);
        const cj = load<f32>(c + (<usize>j << 2)) * scale;
        const sj = load<f32>(s + (<usize>j << 2)) * scale;
        store<f32>(p1, x1 * cj - x2 * sj);
        store<f32>(p2, x2 * cj + x1 * sj);
      }
    }
  }
}

// Attention of rows [t0, t1), heads [h0, h1). q: rows of qs floats (head h at h*dh). Keys/values of the
// cache: pk/pv, head h's position j at h*phs + j*pps floats ([heads, p, dh]: phs = p*dh, pps = dh; [p,
// heads, dh]: phs = dh, pps = heads*dh); of the step's rows: nk/nv [heads, rows, dh]. mask [rows, p + rows] additive:
// a column at or below `blocked` is blocked. scores: scratch of p + rows + 4 floats. out: rows of os floats.
//
// A blocked column gets weight exactly 0 and is still visited in the weighted sum (x + 0 = x), so the
// allowed columns are summed in column order with nothing between them: the same sequence an AR step sees.
export function attention(
  q: usize, qs: i32, pk: usize, pv: usize, p: i32, phs: i32, pps: i32, nk: usize, nv: usize, rows: i32,
  mask: usize, blocked: f32, h0: i32, h1: i32, dh: i32, scores: usize, out: usize, os: i32, t0: i32, t1: i32,
): void {
  const cols = p + rows;
  const padded = (cols + 3) & ~3;
  const dhBytes = <usize>dh << 2;
  // Heads outermost: a head's cached keys and values (32 KB at P = 128) stay in L1 across the step's rows.
  for (let h = h0; h < h1; h++) {
    for (let t = t0; t < t1; t++) {
      const m = mask + ((<usize>t * <usize>cols) << 2);
      const qh = q + ((<usize>t * <usize>qs) << 2) + <usize>h * dhBytes;
      if (dh == 32) {
        head32(qh, pk + ((<usize>h * <usize>phs) << 2), pv + ((<usize>h * <usize>phs) << 2), p, <usize>pps << 2,
          nk + <usize>h * <usize>rows * dhBytes, nv + <usize>h * <usize>rows * dhBytes, cols, m, blocked, scores,
          out + ((<usize>t * <usize>os) << 2) + <usize>h * dhBytes);
        continue;
      }
      let max: f32 = -Infinity;
      for (let j = 0; j < cols; j++) {
        const bias = load<f32>(m + (<usize>j << 2));
        let s: f32 = -Infinity;
        if (bias > blocked) {
          const key = j < p
            ? pk + ((<usize>h * <usize>phs + <usize>j * <usize>pps) << 2)
            : nk + (<usize>h * <usize>rows + <usize>(j - p)) * dhBytes;
          s = dot(qh, key, dhBytes) + bias;
          if (s > max) max = s;
        }
        store<f32>(scores + (<usize>j << 2), s);
      }
      for (let j = cols; j < padded; j++) store<f32>(scores + (<usize>j << 2), -Infinity);
      const oh = out + ((<usize>t * <usize>os) << 2) + <usize>h * dhBytes;
      for (let i: usize = 0; i < dhBytes; i += 4) store<f32>(oh + i, 0);
      if (max == -Infinity) continue;  // every key blocked (a padding row): zeros, never NaN
      const mv = f32x4.splat(max);
      for (let j: usize = 0; j < (<usize>padded << 2); j += 16) {
        const s = v128.load(scores + j);
        v128.store(scores + j, v128.andnot(expx4(f32x4.sub(s, mv)), f32x4.eq(s, f32x4.splat(-Infinity))));
      }
      let sum: f32 = 0;
      for (let j = 0; j < cols; j++) {
        const e = load<f32>(scores + (<usize>j << 2));
        sum += e;
        const value = j < p
          ? pv + ((<usize>h * <usize>phs + <usize>j * <usize>pps) << 2)
          : nv + (<usize>h * <usize>rows + <usize>(j - p)) * dhBytes;
        const ev = f32x4.splat(e);
        for (let i: usize = 0; i < dhBytes; i += 16) {
          v128.store(oh + i, f32x4.add(v128.load(oh + i), f32x4.mul(ev, v128.load(value + i))));
        }
      }
      const inv = f32x4.splat(<f32>1 / sum);
      for (let i: usize = 0; i < dhBytes; i += 16) v128.store(oh + i, f32x4.mul(v128.load(oh + i), inv));
    }
  }
}

// Where column j of a head's keys (or values) lies: the cache's position j, or the step's own row j - p.
// @ts-ignore: decorator
@inline function columnAt(j: i32, p: i32, cached: usize, ps: usize, fresh: usize): usize {
  return j < p ? cached + <usize>j * ps : fresh + (<usize>(j - p) << 7);
}

// A 32-float dot product's four lanes (q in registers), before they are summed.
// @ts-ignore: decorator
@inline function dot32(q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128, k: usize): v128 {
  let acc = f32x4.mul(q0, v128.load(k));
  acc = madd(q1, v128.load(k, 16), acc);
  acc = madd(q2, v128.load(k, 32), acc);
  acc = madd(q3, v128.load(k, 48), acc);
  acc = madd(q4, v128.load(k, 64), acc);
  acc = madd(q5, v128.load(k, 80), acc);
  acc = madd(q6, v128.load(k, 96), acc);
  return madd(q7, v128.load(k, 112), acc);
}

// Column j's score (its dot product's lanes summed, plus the mask), or -Infinity where the mask blocks
// it, stored; returns the running maximum.
// @ts-ignore: decorator
@inline function score(acc: v128, m: usize, j: i32, blocked: f32, scores: usize, max: f32): f32 {
  const bias = load<f32>(m + (<usize>j << 2));
  let s: f32 = -Infinity;
  if (bias > blocked) {
    s = lanes(acc) + bias;
    if (s > max) max = s;
  }
  store<f32>(scores + (<usize>j << 2), s);
  return max;
}

// One head of one row for head_dim 32 (the shipped models'): q and the output held in registers instead of
// memory, fused multiply-adds where the build has them. Same semantics as the general loop above (and, like
// it, the same sequence of operations for every row). pk/pv: this head's first cached key/value, ps bytes
// from one position to the next; nk/nv: this head's first new key/value (32 floats apart).
function head32(
  qh: usize, pk: usize, pv: usize, p: i32, ps: usize, nk: usize, nv: usize, cols: i32,
  m: usize, blocked: f32, scores: usize, oh: usize,
): void {
  const q0 = v128.load(qh), q1 = v128.load(qh, 16), q2 = v128.load(qh, 32), q3 = v128.load(qh, 48);
  const q4 = v128.load(qh, 64), q5 = v128.load(qh, 80), q6 = v128.load(qh, 96), q7 = v128.load(qh, 112);
  let max: f32 = -Infinity;
  // Four keys at a time: each key's dot product is the same chain of operations as one key alone, and its
  // lanes are summed in the same order, (l0 + l1) + (l2 + l3), after a transpose (so the same bits); the
  // four scores then take their mask, blocking and maximum as one vector (one layer's attention 3-5 %
  // faster than a key at a time; interleaved scratch A/B, 2026-12-03).
  let j = 0;
  let mx = f32x4.splat(-Infinity);
  const none = f32x4.splat(-Infinity);
  const cut = f32x4.splat(blocked);
  for (; j + 3 < cols; j += 4) {
    const d0 = dot32(q0, q1, q2, q3, q4, q5, q6, q7, columnAt(j, p, pk, ps, nk));
    const d1 = dot32(q0, q1, q2, q3, q4, q5, q6, q7, columnAt(j + 1, p, pk, ps, nk));
    const d2 = dot32(q0, q1, q2, q3, q4, q5, q6, q7, columnAt(j + 2, p, pk, ps, nk));
    const d3 = dot32(q0, q1, q2, q3, q4, q5, q6, q7, columnAt(j + 3, p, pk, ps, nk));
    const t0 = i32x4.shuffle(d0, d1, 0, 4, 1, 5);
    const t1 = i32x4.shuffle(d0, d1, 2, 6, 3, 7);
    const t2 = i32x4.shuffle(d2, d3, 0, 4, 1, 5);
    const t3 = i32x4.shuffle(d2, d3, 2, 6, 3, 7);
    const sums = f32x4.add(
      f32x4.add(i32x4.shuffle(t0, t2, 0, 1, 4, 5), i32x4.shuffle(t0, t2, 2, 3, 6, 7)),
      f32x4.add(i32x4.shuffle(t1, t3, 0, 1, 4, 5), i32x4.shuffle(t1, t3, 2, 3, 6, 7)),
    );
    const bias = v128.load(m + (<usize>j << 2));
    const sc = v128.bitselect(f32x4.add(sums, bias), none, f32x4.gt(bias, cut));
    mx = f32x4.max(mx, sc);
    v128.store(scores + (<usize>j << 2), sc);
  }
  max = Mathf.max(Mathf.max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), Mathf.max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
  for (; j < cols; j++) max = score(dot32(q0, q1, q2, q3, q4, q5, q6, q7, columnAt(j, p, pk, ps, nk)), m, j, blocked, scores, max);
  const padded = (cols + 3) & ~3;
  for (let j = cols; j < padded; j++) store<f32>(scores + (<usize>j << 2), -Infinity);
  let o0 = f32x4.splat(0), o1 = f32x4.splat(0), o2 = f32x4.splat(0), o3 = f32x4.splat(0);
  let o4 = f32x4.splat(0), o5 = f32x4.splat(0), o6 = f32x4.splat(0), o7 = f32x4.splat(0);
  if (max == -Infinity) {  // every key blocked (a padding row): zeros, never NaN
    v128.store(oh, o0); v128.store(oh, o0, 16); v128.store(oh, o0, 32); v128.store(oh, o0, 48);
    v128.store(oh, o0, 64); v128.store(oh, o0, 80); v128.store(oh, o0, 96); v128.store(oh, o0, 112);
    return;
  }
  const mv = f32x4.splat(max);
  for (let j: usize = 0; j < (<usize>padded << 2); j += 16) {
    const s = v128.load(scores + j);
    v128.store(scores + j, v128.andnot(expx4(f32x4.sub(s, mv)), f32x4.eq(s, f32x4.splat(-Infinity))));
  }
  let sum: f32 = 0;
  for (let j = 0; j < cols; j++) {
    const e = load<f32>(scores + (<usize>j << 2));
    sum += e;
    const v = columnAt(j, p, pv, ps, nv);
    const ev = f32x4.splat(e);
    o0 = madd(ev, v128.load(v), o0);
    o1 = madd(ev, v128.load(v, 16), o1);
    o2 = madd(ev, v128.load(v, 32), o2);
    o3 = madd(ev, v128.load(v, 48), o3);
    o4 = madd(ev, v128.load(v, 64), o4);
    o5 = madd(ev, v128.load(v, 80), o5);
    o6 = madd(ev, v128.load(v, 96), o6);
    o7 = madd(ev, v128.load(v, 112), o7);
  }
  const inv = f32x4.splat(<f32>1 / sum);
  v128.store(oh, f32x4.mul(o0, inv)); v128.store(oh, f32x4.mul(o1, inv), 16);
  v128.store(oh, f32x4.mul(o2, inv), 32); v128.store(oh, f32x4.mul(o3, inv), 48);
  v128.store(oh, f32x4.mul(o4, inv), 64); v128.store(oh, f32x4.mul(o5, inv), 80);
  v128.store(oh, f32x4.mul(o6, inv), 96); v128.store(oh, f32x4.mul(o7, inv), 112);
}

// @ts-ignore: decorator
@inline function dot(a: usize, b: usize, bytes: usize): f32 {
  let acc = f32x4.splat(0);
  for (let i: usize = 0; i < bytes; i += 16) acc = f32x4.add(acc, f32x4.mul(v128.load(a + i), v128.load(b + i)));
  return lanes(acc);
}

// out[t, i] = silu(gu[t, i]) * gu[t, f + i] for rows of 2f floats (gate | up); out rows of f floats (f a
// multiple of 4).
export function swiglu(gu: usize, out: usize, f: i32, rows: i32): void {
  const one = f32x4.splat(1);
  const fb = <usize>f << 2;
  for (let t = 0; t < rows; t++) {
    const g = gu + <usize>t * (fb << 1);
    const o = out + <usize>t * fb;
    for (let i: usize = 0; i < fb; i += 16) {
      const gi = v128.load(g + i);
      const silu = f32x4.div(gi, f32x4.add(one, expx4(f32x4.neg(gi))));
      v128.store(o + i, f32x4.mul(silu, v128.load(g + fb + i)));
    }
  }
}

// x[t] += y[t], rows of d floats.
export function addRows(x: usize, y: usize, d: i32, rows: i32): void {
  const bytes = (<usize>d * <usize>rows) << 2;
  for (let i: usize = 0; i < bytes; i += 16) v128.store(x + i, f32x4.add(v128.load(x + i), v128.load(y + i)));
}

// Copies the k and v parts of qkv rows (stride floats, k at koff, v at voff) into nk/nv [heads, rows, dh].
export function splitHeads(qkv: usize, stride: i32, koff: i32, voff: i32, rows: i32, heads: i32, dh: i32, nk: usize, nv: usize): void {
  const dhBytes = <usize>dh << 2;
  for (let t = 0; t < rows; t++) {
    const r = qkv + ((<usize>t * <usize>stride) << 2);
    for (let h = 0; h < heads; h++) {
      const dst = (<usize>h * <usize>rows + <usize>t) * dhBytes;
      memory.copy(nk + dst, r + (<usize>koff << 2) + <usize>h * dhBytes, dhBytes);
      memory.copy(nv + dst, r + (<usize>voff << 2) + <usize>h * dhBytes, dhBytes);
    }
  }
}

// int8 weights (the manifest's int8 variant, models/tools/quantize.py): each input row quantised on its
// own to integers in [-127, 127] (scale max|x| / 127; kept as i16 for the dot products), the weights int8
// with one scale per output, int32 sums (exact), then y = f32(sum) * column scale * row scale.

// Rows of k floats (stride xs) to i16 rows of k (q) and one f32 scale per row (scales). k a multiple of 8.
export function quantizeRows(x: usize, xs: i32, k: i32, rows: i32, q: usize, scales: usize): void {
  const bytes = <usize>k << 2;
  for (let t = 0; t < rows; t++) {
    const xr = x + ((<usize>t * <usize>xs) << 2);
    let m = f32x4.splat(0);
    for (let i: usize = 0; i < bytes; i += 16) m = f32x4.max(m, f32x4.abs(v128.load(xr + i)));
    const max = Mathf.max(Mathf.max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), Mathf.max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
    const scale = Mathf.max(max, 1e-30) * <f32>(1.0 / 127.0);
    store<f32>(scales + (<usize>t << 2), scale);
    const s = f32x4.splat(scale);
    const qr = q + ((<usize>t * <usize>k) << 1);
    for (let i: usize = 0; i < bytes; i += 32) {
      const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(xr + i), s)));
      const b = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(xr + i, 16), s)));
      v128.store(qr + (i >> 1), i16x8.narrow_i32x4_s(a, b));
    }
  }
}

// y[t, n] = f32(dot(w[n, :], q[t, :])) * ws[n] * qs[t] for n in [n0, n1) (multiples of 4), t < rows; w int8
// packed in blocks of 4 outputs (kernel-pack.ts: K-chunks of 16 bytes, the 4 outputs' side by side, so a
// step reads 64 contiguous bytes), q i16 rows of K (a multiple of 16), y rows of stride ys floats. Rows go
// in pairs that share each weight vector's widening; the int32 sums are exact, so the blocking cannot
// change a row's result. On wasm SIMD this is bound by the arithmetic (widen, dot, add), not by memory: a
// second row costs about what the first does (2 rows 1.6x one, 4 rows 3x; scratch, 2026-12-03), which is
// what prices a tree on this variant.
export function matmulQ(w: usize, ws: usize, q: usize, qs: usize, y: usize, k: i32, rows: i32, ys: i32, n0: i32, n1: i32): void {
  const kb = <usize>k;
  for (let n = n0; n < n1; n += 4) {
    const block = w + <usize>n * kb;
    let t = 0;
    for (; t + 1 < rows; t += 2) {
      // 2 rows x 4 outputs, 8 of K a step: each weight vector widened once for both rows (measured against
      // 2 x 2 with 16 of K a step: 0.44 against 0.48 ms for a 2-row pass over the shipped model's weights).
      const q0 = q + ((<usize>t * kb) << 1);
      const q1 = q0 + (kb << 1);
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
      let b0 = i32x4.splat(0), b1 = i32x4.splat(0), b2 = i32x4.splat(0), b3 = i32x4.splat(0);
      let p = block;
      for (let i: usize = 0; i < kb; i += 8) {
        // Within a 16-byte chunk: K 0-7 at p, 8-15 at p + 8; the next chunk 64 bytes on. A weight vector is
        // loaded and widened in one instruction (v128.load8x8_s: 5-8 % faster than a load, then a widening,
        // over a step's int8 matmuls at T = 2-5; interleaved scratch A/B, 2026-12-03).
        const x0 = v128.load(q0 + (i << 1));
        const x1 = v128.load(q1 + (i << 1));
        let c = v128.load8x8_s(p);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(c, x0));
        b0 = i32x4.add(b0, i32x4.dot_i16x8_s(c, x1));
        c = v128.load8x8_s(p, 16);
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(c, x0));
        b1 = i32x4.add(b1, i32x4.dot_i16x8_s(c, x1));
        c = v128.load8x8_s(p, 32);
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(c, x0));
        b2 = i32x4.add(b2, i32x4.dot_i16x8_s(c, x1));
        c = v128.load8x8_s(p, 48);
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(c, x0));
        b3 = i32x4.add(b3, i32x4.dot_i16x8_s(c, x1));
        p += (i & 8) != 0 ? 56 : 8;
      }
      const r0 = load<f32>(qs + (<usize>t << 2));
      const r1 = load<f32>(qs + (<usize>t << 2), 4);
      const sc = ws + (<usize>n << 2);
      const y0 = y + ((<usize>t * <usize>ys + <usize>n) << 2);
      const y1 = y0 + (<usize>ys << 2);
      store<f32>(y0, <f32>isum(a0) * load<f32>(sc) * r0);
      store<f32>(y0, <f32>isum(a1) * load<f32>(sc, 4) * r0, 4);
      store<f32>(y0, <f32>isum(a2) * load<f32>(sc, 8) * r0, 8);
      store<f32>(y0, <f32>isum(a3) * load<f32>(sc, 12) * r0, 12);
      store<f32>(y1, <f32>isum(b0) * load<f32>(sc) * r1);
      store<f32>(y1, <f32>isum(b1) * load<f32>(sc, 4) * r1, 4);
      store<f32>(y1, <f32>isum(b2) * load<f32>(sc, 8) * r1, 8);
      store<f32>(y1, <f32>isum(b3) * load<f32>(sc, 12) * r1, 12);
    }
    for (; t < rows; t++) {
      const qr = q + ((<usize>t * kb) << 1);
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
      let p = block;
      for (let i: usize = 0; i < kb; i += 16) {
        const lo = v128.load(qr + (i << 1));
        const hi = v128.load(qr + (i << 1), 16);
        a0 = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(p), lo), i32x4.dot_i16x8_s(v128.load8x8_s(p, 8), hi)));
        a1 = i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(p, 16), lo), i32x4.dot_i16x8_s(v128.load8x8_s(p, 24), hi)));
        a2 = i32x4.add(a2, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(p, 32), lo), i32x4.dot_i16x8_s(v128.load8x8_s(p, 40), hi)));
        a3 = i32x4.add(a3, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(p, 48), lo), i32x4.dot_i16x8_s(v128.load8x8_s(p, 56), hi)));
        p += 64;
      }
      const rs = load<f32>(qs + (<usize>t << 2));
      const yr = y + ((<usize>t * <usize>ys + <usize>n) << 2);
      const sc = ws + (<usize>n << 2);
      store<f32>(yr, <f32>isum(a0) * load<f32>(sc) * rs);
      store<f32>(yr, <f32>isum(a1) * load<f32>(sc, 4) * rs, 4);
      store<f32>(yr, <f32>isum(a2) * load<f32>(sc, 8) * rs, 8);
      store<f32>(yr, <f32>isum(a3) * load<f32>(sc, 12) * rs, 12);
    }
  }
}

// @ts-ignore: decorator
@inline function isum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

// The decoding heads' elementwise steps (models/tools/heads.py), n floats (a multiple of 4).
// z = u + silu(t + b): a ResBlock's output from its input u and its linear part t.
export function residualSilu(u: usize, t: usize, b: usize, z: usize, n: i32): void {
  const one = f32x4.splat(1);
  for (let i: usize = 0; i < (<usize>n << 2); i += 16) {
    const x = f32x4.add(v128.load(t + i), v128.load(b + i));
    v128.store(z + i, f32x4.add(v128.load(u + i), f32x4.div(x, f32x4.add(one, expx4(f32x4.neg(x))))));
  }
}

// t = silu(t + b), in place.
export function biasSilu(t: usize, b: usize, n: i32): void {
  const one = f32x4.splat(1);
  for (let i: usize = 0; i < (<usize>n << 2); i += 16) {
    const x = f32x4.add(v128.load(t + i), v128.load(b + i));
    v128.store(t + i, f32x4.div(x, f32x4.add(one, expx4(f32x4.neg(x)))));
  }
}

// z = z + (d + b): an MLP block's residual.
export function residualBias(z: usize, d: usize, b: usize, n: i32): void {
  for (let i: usize = 0; i < (<usize>n << 2); i += 16) {
    v128.store(z + i, f32x4.add(v128.load(z + i), f32x4.add(v128.load(d + i), v128.load(b + i))));
  }
}
