/**
 * How onnxruntime-web gets its WebAssembly module: always precompiled, handed in by the host.
 *
 * Why: workerd refuses to compile wasm from bytes at run time ("Wasm code generation disallowed by
 * embedder") and has no script URL for ORT to locate `ort-wasm-simd-threaded.wasm` ("cannot determine the
 * script source URL"). A Worker can only get the module through a static `.wasm` import, which wrangler
 * (and the Workers vitest pool) turn into a `WebAssembly.Module`. ORT has no option for a precompiled
 * module, so this file owns the one seam, used the same way on every host:
 *
 *   1. `env.wasm.wasmBinary` is set to a private 8-byte sentinel buffer. That makes ORT use its embedded
 *      emscripten glue without a script URL, and the glue calls
 *      `WebAssembly.instantiate(new Uint8Array(sentinel), imports)`.
 *   2. While ORT initialises, `WebAssembly.instantiate` is wrapped: a call whose bytes view exactly the
 *      sentinel buffer instantiates the provided module instead (returning `{ instance, module }` like the
 *      bytes overload); every other call goes to the original. The wrapper is removed once ORT is up.
 *
 * Hosts:
 *   - workerd: the entry imports the module and calls `provideWasmModule` before the first binding:
 *       import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
 *       provideWasmModule(ortWasm);
 *     (a static `.wasm` import is bundler syntax, not a Workers API, but Node cannot run it, so it stays
 *     in the host's entry file, never in src/.)
 *   - Node, Deno: nothing to do; the module is compiled from the package's file on first use.
 *
 * Checked against onnxruntime-web 1.30.0 (dist/ort.wasm.bundle.min.mjs); re-check on upgrade.
 */
import { RUNTIME } from './environment';
import { BindingError } from './errors';

export type WasmModuleSource = WebAssembly.Module | (() => Promise<WebAssembly.Module>);

/** The part of onnxruntime-web's `env.wasm` this seam sets. */
export interface OrtWasmFlags {
  numThreads?: number;
  proxy?: boolean;
  wasmBinary?: ArrayBufferLike | Uint8Array;
}

const WASM_FILE = 'onnxruntime-web/ort-wasm-simd-threaded.wasm';

let provided: WasmModuleSource | undefined;
/** ORT has instantiated its wasm (or tried to: it cannot retry after a failed start either way). */
let started = false;
let starting: Promise<unknown> | undefined;

/**
 * Give the runtime layer the compiled `ort-wasm-simd-threaded.wasm` (required in workerd). Calls after
 * onnxruntime-web has started are ignored: it keeps the module it started with.
 */
export function provideWasmModule(source: WasmModuleSource): void {
  if (!started) provided = source;
}

async function compileFromPackage(): Promise<WebAssembly.Module> {
  // Specifiers in variables so bundlers for workerd leave these Node-only modules out.
  const moduleSpecifier = 'node:module';
  const fsSpecifier = 'node:fs/promises';
  // The two functions used, typed here: src/ type-checks without Node's types (src/tsconfig.json).
  const { createRequire } = (await import(/* @vite-ignore */ moduleSpecifier)) as {
    createRequire(url: string): { resolve(id: string): string };
  };
  const { readFile } = (await import(/* @vite-ignore */ fsSpecifier)) as { readFile(path: string): Promise<Uint8Array> };
  const path = createRequire(import.meta.url).resolve(WASM_FILE);
  // @cloudflare/workers-types omit compile (workerd forbids it); this branch runs in Node and Deno only.
  const wasm = WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
  return wasm.compile(await readFile(path));
}

async function resolveModule(): Promise<WebAssembly.Module> {
  if (typeof provided === 'function') return provided();
  if (provided !== undefined) return provided;
  if (RUNTIME.isNode || RUNTIME.isDeno) return compileFromPackage();
  throw new BindingError(
    'backend-unavailable',
    "onnxruntime-web has no wasm module: in workerd, `import ortWasm from '" + WASM_FILE + "'` in the " +
      'worker entry and call provideWasmModule(ortWasm) before creating a binding',
  );
}

type Instantiate = typeof WebAssembly.instantiate;

function installSeam(module: WebAssembly.Module, sentinel: ArrayBuffer): () => void {
  const original: Instantiate = WebAssembly.instantiate;
  const seam = function instantiatePrecompiled(source: unknown, imports?: WebAssembly.Imports) {
    if (ArrayBuffer.isView(source) && source.buffer === sentinel) {
      return original(module, imports).then((instance) => ({ instance, module }));
    }
    return (original as (...args: unknown[]) => Promise<unknown>)(source, imports);
  };
  WebAssembly.instantiate = seam as Instantiate;
  return () => {
    WebAssembly.instantiate = original;
  };
}

/**
 * Runs `use` (which must create an ORT session: that is when ORT instantiates its wasm) with the seam in
 * place the first time; once ORT has started, runs it directly.
 */
export async function withOrtWasm<T>(flags: OrtWasmFlags, use: () => Promise<T>): Promise<T> {
  while (!started && starting !== undefined) await starting.catch(() => undefined);
  if (started) return use();
  const attempt = startWith(flags, use);
  starting = attempt;
  try {
    return await attempt;
  } finally {
    starting = undefined;
  }
}

async function startWith<T>(flags: OrtWasmFlags, use: () => Promise<T>): Promise<T> {
  // A failure here leaves ORT untouched, so a later call may retry (e.g. after provideWasmModule).
  const module = await resolveModule();
  const sentinel = new ArrayBuffer(8);
  // One thread: workerd cannot spawn threads, and ORT's proxy worker needs a script URL.
  flags.numThreads = 1;
  flags.proxy = false;
  flags.wasmBinary = sentinel;
  const restore = installSeam(module, sentinel);
  try {
    return await use();
  } finally {
    restore();
    started = true;
  }
}
