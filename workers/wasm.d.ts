// What wrangler (CompiledWasm rule) turns a `.wasm` import into.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
