// @atelier/style: Gatys optimisation with colour, spatial and scale control, Johnson
// feed-forward networks, and video with temporal consistency. Images are RGB in
// [0, 255] (as @atelier/core's readImage gives them) unless a function says otherwise.

// Colour
export {
  applyColorMatrix,
  COLOR_SPACES,
  type ColorSpace,
  combineLuminance,
  lumaChromaToRgb,
  luminance,
  rgbToLumaChroma,
} from './color/color-spaces.js';
export { luminanceOnly, restoreChrominance } from './color/luminance-transfer.js';
export {
  applyColorTransform,
  COLOR_MATCH_MODES,
  type ColorMatchMode,
  type ColorTransform,
  colorTransform,
  type MatchColorsOptions,
  matchColors,
} from './color/match-colors.js';
export {
  LUMINANCE_MATCH_MODES,
  type LuminanceMatchMode,
  matchChannel,
} from './color/match-luminance.js';
// Feature networks
export {
  type FeatureNetwork,
  type FeatureOptions,
  isFeatureNetwork,
  type LayerPreset,
} from './features/feature-network.js';
export {
  RandomMultiScaleNetwork,
  type RandomNetworkOptions,
  randomNetwork,
} from './features/random-network.js';
export {
  VGG_PREPROCESSING,
  VggNetwork,
  type VggNetworkOptions,
  type VggPreprocessing,
  vggNetwork,
} from './features/vgg-network.js';
export { vggPresets } from './features/vgg-presets.js';
// Feed-forward (Johnson et al.)
export {
  type ContentData,
  type ContentSource,
  contentSource,
  resizeAndCenterCrop,
} from './feedforward/content-images.js';
export {
  loadTransformer,
  TRANSFORMER_MODULE,
  transformerBytes,
} from './feedforward/load-transformer.js';
export {
  createTransformerSession,
  runTransformer,
  TransformerInference,
  type TransformerSession,
} from './feedforward/run-transformer.js';
export {
  type TrainProgress,
  type TrainTransformerOptions,
  type TrainTransformerResult,
  trainTransformer,
} from './feedforward/train-transformer.js';
// Gatys optimisation
export type { LossValues } from './gatys/evaluate.js';
export { createGatysLoss, type GatysLoss, type GatysLossOptions } from './gatys/gatys-loss.js';
export type { LossParts } from './gatys/loss.js';
export {
  PRESERVE_COLORS,
  type PreserveColors,
  type StyleImage,
  type StylizeOptions,
  type StylizeProgress,
  type StylizeResult,
  stylize,
} from './gatys/stylize.js';
export { fitSize, resizeImage } from './image/resize.js';
export type { WeightsSource } from './io/weights.js';
// Optimisers
export { type AdamOptions, adam } from './optim/adam.js';
export { type LbfgsOptions, LINE_SEARCHES, type LineSearch, lbfgs } from './optim/lbfgs.js';
export type {
  Evaluation,
  IterationCallback,
  IterationInfo,
  Objective,
  OptimizeResult,
} from './optim/objective.js';
// Video
export { blendInit } from './video/blend-init.js';
export { composeFlows, resizeFlow, warpPrevious } from './video/flow.js';
export type {
  FlowFunction,
  FrameRef,
  VideoFrameInput,
  VideoSource,
} from './video/frame-sequence.js';
export {
  type FolderFrameStoreOptions,
  folderFrameStore,
  type VideoFrameStore,
} from './video/frame-store.js';
export { closestFirstMasks } from './video/long-term-masks.js';
export {
  type StylizeVideoOptions,
  type StylizeVideoResult,
  stylizeVideo,
} from './video/stylize-video.js';
export type { VideoFrameResult, VideoProgress, VideoStep } from './video/video-run.js';
