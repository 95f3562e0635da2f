/**
 * The fused kernel's weight layouts (kernel/assembly/decoder.ts, `matmul` and `matmulQ`): a projection's
 * [N, K] rows regrouped into blocks of outputs whose K-chunks sit side by side, so that the kernel reads
 * each step's weights as one contiguous run instead of one stream per output row. Same values, same
 * arithmetic order per output: only where they lie changes.
 */

/** fp32 [N, K] (N a multiple of 8, K of 4) into blocks of 4 outputs, chunks of 4 floats: (b·K/4 + c)·16 + j·4. */
export function packF32(w: Float32Array, n: number, k: number): Float32Array {
  if (n % 8 !== 0) throw new RangeError(`cannot pack [${n}, ${k}] for the fp32 matmul: N must be a multiple of 8`);
  return pack(w, n, k, 4, 4, new Float32Array(w.length));
}

/** int8 [N, K] (N a multiple of 4, K of 16) into blocks of 4 outputs, chunks of 16 bytes: (b·K/16 + c)·64 + j·16. */
export function packInt8(w: Int8Array, n: number, k: number): Int8Array {
  return pack(w, n, k, 4, 16, new Int8Array(w.length));
}

function pack<T extends Float32Array | Int8Array>(w: T, n: number, k: number, outputs: number, chunk: number, out: T): T {
  if (w.length !== n * k || n % outputs !== 0 || k % chunk !== 0) {
    throw new RangeError(`cannot pack [${n}, ${k}] (${w.length} values) in blocks of ${outputs} x ${chunk}`);
  }
  const chunks = k / chunk;
  for (let row = 0; row < n; row++) {
    const block = Math.floor(row / outputs);
    const j = row % outputs;
    for (let c = 0; c < chunks; c++) {
      const to = ((block * chunks + c) * outputs + j) * chunk;
      out.set(w.subarray(row * k + c * chunk, row * k + (c + 1) * chunk), to);
    }
  }
  return out;
}
