/** The fused kernel's exports (kernel/assembly/decoder.ts); pointers are byte offsets into its memory. */
export interface DecoderExports {
  matmul(w: number, x: number, y: number, k: number, rows: number, xs: number, ys: number, n0: number, n1: number): void;
  unpackRow(w: number, row: number, k: number, out: number): void;
  rmsNorm(x: number, w: number, out: number, d: number, rows: number, eps: number): void;
  rotary(qkv: number, stride: number, rows: number, heads: number, dh: number, cos: number, sin: number, scale: number): void;
  attention(
    q: number, qs: number, pk: number, pv: number, p: number, phs: number, pps: number, nk: number, nv: number, rows: number,
    mask: number, blocked: number, h0: number, h1: number, dh: number, scores: number, out: number, os: number, t0: number, t1: number,
  ): void;
  swiglu(gu: number, out: number, f: number, rows: number): void;
  quantizeRows(x: number, xs: number, k: number, rows: number, q: number, scales: number): void;
  matmulQ(w: number, ws: number, q: number, qs: number, y: number, k: number, rows: number, ys: number, n0: number, n1: number): void;
  addRows(x: number, y: number, d: number, rows: number): void;
  splitHeads(qkv: number, stride: number, koff: number, voff: number, rows: number, heads: number, dh: number, nk: number, nv: number): void;
  residualSilu(u: number, t: number, b: number, z: number, n: number): void;
  biasSilu(t: number, b: number, n: number): void;
  residualBias(z: number, d: number, b: number, n: number): void;
}
