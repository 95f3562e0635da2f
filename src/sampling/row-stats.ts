/**
 * The max, its index and the softmax sums of a logits row in WebAssembly SIMD (kernel/assembly/row-stats.ts),
 * where the host can compile wasm at run time (Node, Deno, browsers); elsewhere (workerd) `rowStats()` is
 * undefined and logits.ts keeps its JS loops. In JS the exp pass over V = 4096 costs about 0.05 ms, which a
 * gated step pays every step (the gate's entropy); here about a tenth of that.
 */
import { base64Bytes } from '../runtime/kernel/base64';
import { ROW_STATS_WASM_BASE64 } from '../runtime/kernel/row-stats-wasm';

interface RowStatsExports {
  readonly memory: WebAssembly.Memory;
  reserve(n: number): number;
  maxOf(n: number): number;
  expSums(n: number, invTemperature: number): void;
}

export interface RowStats {
  /** Max and the index of its first occurrence; undefined when the max is not finite (NaN, all -Infinity). */
  max(row: Float32Array): { readonly value: number; readonly index: number } | undefined;
  /** After `max` on the same row: Σ e^z and Σ z·e^z, z = (l - max) / temperature. */
  expSums(row: Float32Array, invTemperature: number): { readonly sum: number; readonly weighted: number };
}

let instance: RowStats | null | undefined;

function load(): RowStats | null {
  try {
    const bytes = base64Bytes(ROW_STATS_WASM_BASE64);
    // Small enough (< 4 KB) for a synchronous compile even on a browser's main thread.
    // @cloudflare/workers-types make the constructor abstract (workerd forbids it, and throws: JS then).
    const compiler = WebAssembly as unknown as { Module: new (bytes: Uint8Array) => WebAssembly.Module };
    const module = new compiler.Module(bytes);
    const exports = new WebAssembly.Instance(module, {}).exports as unknown as RowStatsExports;
    return wrap(exports);
  } catch {
    return null;
  }
}

function wrap(wasm: RowStatsExports): RowStats {
  let floats = new Float32Array(0);
  let results = new Float32Array(0);
  let indices = new Int32Array(0);
  const put = (row: Float32Array) => {
    const at = wasm.reserve(row.length);
    // Views die when the memory grows (reserve grows it for a longer row); re-made only then.
    if (floats.buffer !== wasm.memory.buffer) {
      floats = new Float32Array(wasm.memory.buffer, at, (wasm.memory.buffer.byteLength - at) >> 2);
      results = new Float32Array(wasm.memory.buffer, 0, 4);
      indices = new Int32Array(wasm.memory.buffer, 0, 4);
    }
    floats.set(row);
  };
  return {
    max(row) {
      put(row);
      if (wasm.maxOf(row.length) === 0) return undefined;
      return { value: results[0]!, index: indices[1]! };
    },
    expSums(row, invTemperature) {
      wasm.expSums(row.length, invTemperature);
      return { sum: results[2]!, weighted: results[3]! };
    },
  };
}

/** The wasm row statistics, compiled on first use; undefined where the host cannot compile wasm. */
export function rowStats(): RowStats | undefined {
  if (instance === undefined) instance = load();
  return instance ?? undefined;
}
