// @atelier/tasks: the course's applications on the gan trainer, each a task descriptor
// (options, data, harness, inference model) listed in one table.

export { BLUR_SIGMAS, gaussianBlur, tuneGaussianBlur } from './baselines/gaussian-blur.js';
export { LinearMap } from './baselines/linear-map.js';
export { Pca } from './baselines/pca.js';
export {
  RETINEX_GRID,
  type RetinexThresholds,
  retinex,
  tuneRetinex,
} from './baselines/retinex.js';
export { checkImages } from './check-images.js';
export {
  DRAWINGS_PER_CLASS,
  type GlyphSet,
  type GlyphTriplet,
  glyphSet,
  glyphTriplets,
} from './data/glyph-triplets.js';
export { IMAGE_SETS, type ImageSet, imageSet } from './data/image-sets.js';
export {
  PARAM_LENGTH,
  PARAM_RANGES,
  paramsLoss,
  paramVector,
  readParams,
  type ShapeParams,
} from './data/shape-params.js';
export { type ShapeViews, shapeViews, stackViews } from './data/shape-views.js';
export { SKETCH_FOLDERS, sketchData } from './data/sketch-pairs.js';
export { stackField } from './data/stack-field.js';
export { interpolateCodes, nearestCodes } from './latent/latent-tools.js';
export { scaleInvariantMse } from './losses/scale-invariant-mse.js';
export {
  binarizeLines,
  simplificationLoss,
  simplificationWeights,
} from './losses/simplification-loss.js';
export { verificationLoss } from './losses/verification-loss.js';
export {
  type FewShotOptions,
  fewShotAccuracy,
  squaredDistances,
} from './metrics/few-shot-accuracy.js';
export { type LineScores, lineScores } from './metrics/line-scores.js';
export { intrinsicLmse, type LmseOptions, lmse } from './metrics/lmse.js';
export { type ParamErrors, paramErrors } from './metrics/param-errors.js';
export { retrievalTopK } from './metrics/retrieval.js';
export { scaleInvariantError } from './metrics/scale-invariant-error.js';
export {
  ConvAutoencoder,
  type ConvAutoencoderOptions,
  type LatentCode,
} from './nets/conv-autoencoder.js';
export { DnCnn, type DnCnnOptions } from './nets/dncnn.js';
export { ReadoutDecoder, type ReadoutDecoderOptions } from './nets/readout-decoder.js';
export { RenderDenoiser, type RenderDenoiserOptions } from './nets/render-denoiser.js';
export { SceneEncoder, type SceneEncoderOptions } from './nets/scene-encoder.js';
export {
  ParamCoder,
  REPRESENTATIONS,
  type Representation,
  SharedSpaceNet,
  type SharedSpaceNetOptions,
} from './nets/shared-space-net.js';
export { SiameseNet, type SiameseNetOptions } from './nets/siamese-net.js';
export {
  SimplificationNet,
  type SimplificationNetOptions,
  SKETCH_MEAN,
  SKETCH_STD,
} from './nets/simplification-net.js';
export {
  type EncoderSource,
  readEncoderSource,
  VGG_ENCODER_LAYERS,
  type VggEncoderLayer,
} from './nets/transfer-encoder.js';
export { getTask, TASKS, taskNames } from './registry.js';
export { loadTask, modelOf, trainTask } from './run-task.js';
export type {
  TaskData,
  TaskDataOptions,
  TaskDefaults,
  TaskDescriptor,
  TaskFlag,
  TaskModel,
  TaskTrainOptions,
  TaskTrainResult,
} from './task.js';
export {
  type AutoencoderHarness,
  AutoencoderModel,
  type AutoencoderOptions,
  autoencoderTask,
  type ImageBatch,
  loadAutoencoder,
  type ResolvedAutoencoder,
  resolveAutoencoder,
  trainAutoencoder,
} from './tasks/autoencoder.js';
export {
  addNoise,
  type CleanBatch,
  type DenoiseHarness,
  DenoiseModel,
  type DenoiseOptions,
  denoiseTask,
  loadDenoiser,
  type ResolvedDenoise,
  resolveDenoise,
  trainDenoiser,
} from './tasks/denoise.js';
export {
  FEW_SHOT_LOSSES,
  type FewShotHarness,
  type FewShotLoss,
  FewShotModel,
  type FewShotTaskOptions,
  fewShotTask,
  loadFewShot,
  type ResolvedFewShot,
  resolveFewShot,
  type TripletBatch,
  trainFewShot,
} from './tasks/few-shot.js';
export {
  type Decomposition,
  INTRINSICS_SPP,
  type IntrinsicsHarness,
  IntrinsicsModel,
  type IntrinsicsOptions,
  intrinsicsTask,
  loadIntrinsics,
  type ResolvedIntrinsics,
  recompose,
  resolveIntrinsics,
  type SceneLayers,
  trainIntrinsics,
} from './tasks/intrinsics.js';
export {
  displayRender,
  loadMcDenoiser,
  MC_BUFFERS,
  MC_INPUTS,
  MC_NOISY_SPP,
  MC_REFERENCE_SPP,
  type McDenoiseHarness,
  McDenoiseModel,
  type McDenoiseOptions,
  type McInputs,
  mcDenoiseTask,
  mcInput,
  mcInputChannels,
  type RenderBatch,
  type ResolvedMcDenoise,
  resolveMcDenoise,
  trainMcDenoiser,
} from './tasks/mc-denoise.js';
export {
  loadSharedSpace,
  type ResolvedSharedSpace,
  resolveSharedSpace,
  type SharedSpaceHarness,
  SharedSpaceModel,
  type SharedSpaceOptions,
  sharedSpaceTask,
  trainSharedSpace,
  type ViewsBatch,
} from './tasks/shared-space.js';
export {
  loadSimplifier,
  type ResolvedSimplify,
  resolveSimplify,
  SIMPLIFY_MODES,
  type SimplifyHarness,
  type SimplifyMode,
  SimplifyModel,
  type SimplifyOptions,
  type SketchBatch,
  simplifyTask,
  trainSimplifier,
} from './tasks/simplify.js';
export {
  type AdversarialPhase,
  type AdversarialStep,
  adversarialPhase,
  adversarialStep,
} from './tasks/simplify-adversarial.js';
export {
  loadTransfer,
  type ResolvedTransfer,
  resolveTransfer,
  type SceneBuffersBatch,
  TRANSFER_MODES,
  TRANSFER_SPP,
  TRANSFER_TASKS,
  type TransferHarness,
  type TransferMode,
  TransferModel,
  type TransferOptions,
  type TransferTarget,
  trainTransfer,
  transferData,
  transferTask,
} from './tasks/transfer.js';
