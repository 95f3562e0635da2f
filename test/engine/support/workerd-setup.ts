/**
 * Setup file of the workerd test project: hands onnxruntime-web its wasm module the way a Worker entry
 * does (a static `.wasm` import is the only way workerd gets compiled wasm; see src/runtime/wasm-module.ts).
 */
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import { provideWasmModule } from '../../../src/runtime';

provideWasmModule(ortWasm);
