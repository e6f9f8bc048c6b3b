import './kernels/index.js';

export {
  argumentError,
  checkBoolean,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  expectedNumber,
  inRange,
  type NumberRange,
} from './argument-checks.js';
export {
  type BackendInfo,
  currentBackend,
  type InitOptions,
  init,
  shutdown,
} from './backend/init.js';
export { BACKEND_NAMES, type BackendChoice, type BackendName } from './backend/names.js';
export { wasmThreads } from './backend/wasm.js';
export { type AdapterInfo, probeAdapter } from './backend/webgpu.js';
export * from './errors.js';
export { convertChannels, type ImageChannels, LUMA_WEIGHTS } from './io/image-channels.js';
export { type DecodeImageOptions, decodeImage } from './io/image-decode.js';
export { type EncodeJpegOptions, encodeJpeg, encodePng } from './io/image-encode.js';
export { readImage, type WriteImageOptions, writeImage } from './io/image-file.js';
export {
  type ImageFormat,
  type ImageInfo,
  type ImageInfoOptions,
  imageInfo,
  MAX_IMAGE_PIXELS,
} from './io/image-format.js';
export { type ImageGridOptions, imageGrid } from './io/image-grid.js';
export { DEFAULT_MAX_PIXELS, resolveMaxPixels } from './io/image-limits.js';
export {
  fromSigned,
  fromUnit,
  signedToUnit,
  toSigned,
  toUnit,
  unitToSigned,
} from './io/image-range.js';
export * from './io/safetensors.js';
export * from './io/torch-checkpoint.js';
export * from './io/torch-layout.js';
export * from './io/weights-file.js';
export { isModule, Module } from './module/module.js';
export * from './module/parameter.js';
export * from './module/sequential.js';
export type {
  DtypeMismatch,
  LoadOptions,
  LoadResult,
  ShapeMismatch,
} from './module/state-dict.js';
export * as ops from './ops/index.js';
export { isNode } from './platform.js';
export { Rng, type RngState, rng } from './random/rng.js';
export { tf, tfjsCopies } from './tfjs.js';
export { removeStaleTemporaries, writeFileAtomic } from './training/atomic-file.js';
export {
  type CheckpointInfo,
  type LoadCheckpointOptions,
  loadCheckpoint,
  type SaveCheckpointOptions,
  saveCheckpoint,
} from './training/checkpoint.js';
