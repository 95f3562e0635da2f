// What wrangler and the Workers vitest pool turn a `.wasm` import into (CompiledWasm module rule).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
