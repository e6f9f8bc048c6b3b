import './kernels/index.js';

export { tf, tfjsCopies } from './tfjs.js';
export * as ops from './ops/index.js';
export * from './errors.js';
export { isNode } from './platform.js';
export { BACKEND_NAMES, type BackendName, type BackendChoice } from './backend/names.js';
export { init, shutdown, currentBackend, type InitOptions, type BackendInfo } from './backend/init.js';
export { probeAdapter, type AdapterInfo } from './backend/webgpu.js';
export * from './io/safetensors.js';
export { rng, Rng, type RngState } from './random/rng.js';
export * from './io/torch-layout.js';
export * from './module/parameter.js';
export { Module, isModule } from './module/module.js';
export type { LoadOptions, LoadResult, ShapeMismatch } from './module/state-dict.js';
export * from './module/sequential.js';
export * from './io/torch-checkpoint.js';
