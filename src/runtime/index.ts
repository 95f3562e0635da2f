/** What the rest of the project uses from the runtime layer. */
export type * from './binding';
export type { ModelArchitecture } from './architecture';
export type { RuntimeFacts } from './environment';
export type { CreateBindingOptions } from './create-binding';
export type { BackendRequest } from './select-backend';
export type { WasmModuleSource } from './wasm-module';
export type { CostCurve, CostCurveOptions } from './cost-curve';
export { createBinding } from './create-binding';
export { BindingError, isBindingError, type BindingErrorCode } from './errors';
export { RUNTIME } from './environment';
export { emptyPast } from './ort-binding';
export { SUPPORTED_BACKENDS, backendCandidates } from './select-backend';
export { provideWasmModule } from './wasm-module';
export { kernelModuleAvailable, provideKernelModule } from './backend-kernel';
export { measureCostCurve } from './cost-curve';
