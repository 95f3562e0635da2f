/**
 * Setup file of the workerd test project: hands onnxruntime-web its wasm module the way a Worker entry
 * does (a static `.wasm` import is the only way workerd gets compiled wasm; see src/runtime/wasm-module.ts).
 */
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import rowStatsWasm from '../../../src/runtime/kernel/row-stats.wasm';
import { provideWasmModule } from '../../../src/runtime';
import { provideRowStatsModule } from '../../../src/sampling/row-stats';

provideWasmModule(ortWasm);
provideRowStatsModule(rowStatsWasm);
