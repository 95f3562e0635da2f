/**
 * The max, its index and the softmax sums of a logits row in WebAssembly SIMD (kernel/assembly/row-stats.ts).
 * Node, Deno and browsers compile the module at run time; workerd cannot, so its entries import
 * kernel/row-stats.wasm (precompiled by the bundler) and hand it to `provideRowStatsModule`. Where neither
 * works, `rowStats()` is undefined and logits.ts keeps its JS loops. In JS the exp pass over V = 4096 costs about 0.05 ms, which a
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
let provided: WebAssembly.Module | undefined;

/**
 * Hands over kernel/row-stats.wasm as the host's bundler compiled it (a Worker's static `.wasm` import).
 * Takes effect unless the row statistics were already instantiated from it.
 */
export function provideRowStatsModule(module: WebAssembly.Module): void {
  if (provided === module) return;
  provided = module;
  // A host that failed to compile the bytes gets another chance with the precompiled module.
  if (instance === null) instance = undefined;
}

function compile(): WebAssembly.Module {
  if (provided) return provided;
  // Small enough (< 4 KB) for a synchronous compile even on a browser's main thread.
  // @cloudflare/workers-types make the constructor abstract (workerd forbids it, and throws: JS then).
  const compiler = WebAssembly as unknown as { Module: new (bytes: Uint8Array) => WebAssembly.Module };
  return new compiler.Module(base64Bytes(ROW_STATS_WASM_BASE64));
}

function load(): RowStats | null {
  try {
    const exports = new WebAssembly.Instance(compile(), {}).exports as unknown as RowStatsExports;
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

/** The wasm row statistics, instantiated on first use; undefined where the host has no module for them. */
export function rowStats(): RowStats | undefined {
  if (instance === undefined) instance = load();
  return instance ?? undefined;
}
