import './kernels/index.js';

export { tf, tfjsCopies } from './tfjs.js';
export * as ops from './ops/index.js';
export * from './errors.js';
export { isNode } from './platform.js';
export { BACKEND_NAMES, type BackendName, type BackendChoice } from './backend/names.js';
export { init, shutdown, currentBackend, type InitOptions, type BackendInfo } from './backend/init.js';
export { probeAdapter, type AdapterInfo } from './backend/webgpu.js';
export { wasmThreads } from './backend/wasm.js';
export * from './io/safetensors.js';
export { rng, Rng, type RngState } from './random/rng.js';
export * from './io/torch-layout.js';
export * from './module/parameter.js';
export { Module, isModule } from './module/module.js';
export type { LoadOptions, LoadResult, ShapeMismatch } from './module/state-dict.js';
export * from './module/sequential.js';
export * from './io/torch-checkpoint.js';
export { imageInfo, MAX_IMAGE_PIXELS, type ImageInfo, type ImageFormat } from './io/image-format.js';
export { convertChannels, LUMA_WEIGHTS, type ImageChannels } from './io/image-channels.js';
export { decodeImage, type DecodeImageOptions } from './io/image-decode.js';
export { encodePng, encodeJpeg, type EncodeJpegOptions } from './io/image-encode.js';
export { readImage, writeImage, type WriteImageOptions } from './io/image-file.js';
export { toUnit, fromUnit, toSigned, fromSigned, unitToSigned, signedToUnit } from './io/image-range.js';
export { imageGrid, type ImageGridOptions } from './io/image-grid.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  type SaveCheckpointOptions,
  type LoadCheckpointOptions,
  type CheckpointInfo,
} from './training/checkpoint.js';
export { writeFileAtomic } from './training/atomic-file.js';
