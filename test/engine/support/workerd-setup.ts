/**
 * Setup file of the workerd test project: hands the fused kernel, onnxruntime-web and the row statistics
 * their wasm modules the way a Worker entry does (a static `.wasm` import is the only way workerd gets
 * compiled wasm; see src/runtime/wasm-module.ts).
 */
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import decoderWasm from '../../../src/runtime/kernel/decoder-fma.wasm';
import rowStatsWasm from '../../../src/runtime/kernel/row-stats.wasm';
import { provideKernelModule, provideWasmModule } from '../../../src/runtime';
import { provideRowStatsModule } from '../../../src/sampling/row-stats';

provideKernelModule(decoderWasm);
provideWasmModule(ortWasm);
provideRowStatsModule(rowStatsWasm);
