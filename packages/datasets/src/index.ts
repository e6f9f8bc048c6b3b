export { CIFAR10_CLASSES, type CifarBatch, decodeCifar10, encodeCifar10 } from './formats/cifar.js';
export { decodeFlo, encodeFlo, FLO_MAGIC, type Flow } from './formats/flo.js';
export { type GunzipOptions, gunzipIfNeeded, isGzip } from './formats/gzip.js';
export {
  decodeIdx,
  encodeIdx,
  type IdxArray,
  type IdxType,
  idxByteLength,
} from './formats/idx.js';
export {
  D65_WHITE,
  LAB_EPSILON,
  LAB_KAPPA,
  labToRgb,
  labToRgbArray,
  labToRgbColor,
  RGB_TO_XYZ,
  rgbToLab,
  rgbToLabArray,
  rgbToLabColor,
  XYZ_TO_RGB,
} from './image/lab.js';
export { type Pixels, pixels, toGray, toRgb } from './image/pixels.js';
export { IMAGE_RANGES, type ImageRange } from './image/range.js';
export {
  type Interpolation,
  type ResampleWindow,
  resampleWindow,
  resize,
} from './image/resample.js';
export { type AugmentOptions, augment } from './pipeline/augment.js';
export { collate } from './pipeline/collate.js';
export {
  type Batched,
  Dataset,
  type IterateOptions,
  type SampleContext,
} from './pipeline/dataset.js';
export {
  disposeElement,
  type Element,
  type ElementRecord,
  tensorsOf,
} from './pipeline/elements.js';
export type { ImageDecoder } from './pipeline/image-task.js';
export {
  drawParams,
  PREPROCESS_MODES,
  type PreprocessMode,
  type PreprocessOptions,
  preprocess,
  preprocessWindow,
  resizedSize,
  resolvePreprocess,
  type TransformParams,
} from './pipeline/preprocess.js';
export { closeWorkers, type WorkersOption } from './pipeline/worker-pool.js';
export {
  type AlignedFolderOptions,
  alignedFolder,
  type Direction,
  type PairSample,
} from './sources/aligned-folder.js';
export {
  type Cifar10Dataset,
  type Cifar10Options,
  type Cifar10Sample,
  cifar10,
} from './sources/cifar10.js';
export {
  type ColorizationOptions,
  type ColorizationSample,
  colorization,
} from './sources/colorization.js';
export {
  type DataFileOptions,
  DEFAULT_MAX_FILE_BYTES,
  readDataFile,
} from './sources/data-files.js';
export { IMAGE_EXTENSIONS, type Progress, type ProgressCallback } from './sources/files.js';
export {
  type ImageFolderDataset,
  type ImageFolderOptions,
  imageFolder,
  type LabelledSample,
} from './sources/image-folder.js';
export type { ImageSourceOptions } from './sources/image-source.js';
export { type MnistOptions, type MnistSample, mnist } from './sources/mnist.js';
export { readFlo } from './sources/read-flo.js';
export {
  type SingleFolderOptions,
  type SingleSample,
  singleFolder,
} from './sources/single-folder.js';
export {
  type UnalignedFolderOptions,
  type UnpairedSample,
  unalignedFolder,
} from './sources/unaligned-folder.js';
export { type VideoFrame, type VideoFramesOptions, videoFrames } from './sources/video-frames.js';
export type { SyntheticOptions } from './synthetic/common.js';
export * as synthetic from './synthetic/index.js';
