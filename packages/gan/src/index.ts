// @atelier/gan: one trainer for every GAN harness, its schedules, EMA and history
// pool, the harnesses (GAN, conditional GAN, pix2pix, CycleGAN) and sample-quality
// metrics (Fréchet distance, KID).

// Networks (the papers' networks live in @atelier/blocks; re-exported for gan's users)
export {
  AuxiliaryDiscriminator,
  type AuxiliaryDiscriminatorOptions,
  ConditionalDiscriminator,
  type ConditionalDiscriminatorOptions,
  ConditionalGenerator,
  type ConditionalGeneratorOptions,
  createDiscriminator,
  createGenerator,
  type DiscriminatorSpec,
  downscale2d,
  fade,
  type GeneratorSpec,
  LabelEmbedding,
  NET_D_NAMES,
  NET_G_EXAMPLES,
  type NetD,
  type NetG,
  type NetworkOptions,
  oneHot,
  ProganDBlock,
  ProganDiscriminator,
  ProganGBlock,
  ProganGenerator,
  type ProganLevel,
  type ProganNetOptions,
  parseNetG,
  proganFmaps,
  sizeMultiple,
  upscale2d,
} from '@atelier/blocks';
export {
  captionEmbeddingsLayout,
  type EmbeddingTable,
  parseJsonEmbeddings,
  parseNpyEmbeddings,
  parseSafetensorsEmbeddings,
} from './data/caption-embeddings.js';
export { CAPTION_DIM, CAPTION_SETS } from './data/caption-sets.js';
export {
  type CropBox,
  DETAIL_SCALE,
  detailBox,
  detailCrops,
  labelOpenings,
  readLabelOpenings,
  refineOpenings,
} from './data/facade-details.js';
// Data
export {
  alignedLayout,
  classFoldersLayout,
  imagesLayout,
  unalignedLayout,
} from './data/folder-layouts.js';
export { FRANKENGAN_FACADES } from './data/frankengan-data.js';
export {
  type HarnessData,
  type HarnessDataOptions,
  harnessData,
} from './data/harness-data.js';
export { preprocessFields } from './data/preprocess-pairs.js';
export { IMAGE_SETS, PAIR_SETS } from './data/synthetic-sources.js';
// Harnesses
export {
  type BicycleGanHarness,
  bicyclegan,
  bicycleganDescriptor,
} from './harnesses/bicyclegan.js';
export {
  klDivergence,
  latentL1,
  multiscaleGanLoss,
  reparameterize,
} from './harnesses/bicyclegan-losses.js';
export { createBicycleD, createBicycleE, createBicycleG } from './harnesses/bicyclegan-nets.js';
export {
  BICYCLE_VARIANTS,
  type BicycleGanOptions,
  type BicycleVariant,
  parseBicycleD,
  parseBicycleE,
  type ResolvedBicycleGan,
  resolveBicycleGan,
} from './harnesses/bicyclegan-options.js';
export {
  type CganHarness,
  type CganOptions,
  cgan,
  cganDescriptor,
  type ResolvedCgan,
  resolveCgan,
} from './harnesses/cgan.js';
export {
  type ChainBatch,
  type ChainHarness,
  type ChainStage,
  chain,
  chainData,
} from './harnesses/chain.js';
export {
  type CycleGanHarness,
  type CycleGanOptions,
  cyclegan,
  cycleganDescriptor,
  type ResolvedCycleGan,
  resolveCycleGan,
} from './harnesses/cyclegan.js';
export type {
  FolderContext,
  FolderLayout,
  HarnessCliDefaults,
  HarnessDataSpec,
  HarnessDescriptor,
  HarnessFlag,
  SyntheticSource,
} from './harnesses/descriptor.js';
export {
  type FacadeExemplar,
  FRANKENGAN_STAGES,
  type FrankenGanOptions,
  frankengan,
  frankenganDescriptor,
  frankenganStyles,
  resolveFrankenGan,
} from './harnesses/frankengan.js';
export {
  checkImageBatch,
  DCGAN_FLAGS,
  type GanHarness,
  type GanOptions,
  gan,
  ganDescriptor,
  type ImageBatch,
  type ResolvedGan,
  resolveGan,
} from './harnesses/gan.js';
export { GAN_MODES, type GanMode, ganLoss } from './harnesses/gan-mode.js';
export {
  ADAM_FLAGS,
  ADAM_KEYS,
  type AdamOptions,
  GAN_MODE_FLAGS,
  type JunyanzNetworkOptions,
  NETWORK_FLAGS,
  NETWORK_KEYS,
  type ResolvedNetworks,
  resolveAdam,
  resolveGanMode,
  resolveNetworks,
} from './harnesses/junyanz-options.js';
// Option readers (typed errors that name the option), for the packages built on gan
export {
  boolOption,
  choiceOption,
  intOption,
  numberOption,
  readOptions,
} from './harnesses/options.js';
export {
  checkPairBatch,
  type Direction,
  type PairBatch,
  type Pix2PixHarness,
  type Pix2PixOptions,
  pix2pix,
  pix2pixDescriptor,
  type ResolvedPix2Pix,
  resolvePix2Pix,
  unetForSize,
} from './harnesses/pix2pix.js';
export {
  type ProganHarness,
  type ProganOptions,
  phaseReals,
  progan,
  proganDescriptor,
  type ResolvedProgan,
  resolveProgan,
} from './harnesses/progan.js';
export { createHarness, type HarnessOptionsByName } from './harnesses/registry.js';
export {
  type CaptionBatch,
  loadStageOne,
  openStackGanRun,
  type ResolvedStackGan,
  resolveStackGan,
  type StackGanHarness,
  type StackGanOptions,
  stackgan,
  stackganDescriptor,
} from './harnesses/stackgan.js';
export {
  bceWithLogits,
  conditioningKl,
  detach,
  discriminatorWeights,
} from './harnesses/stackgan-losses.js';
export {
  type Conditioning,
  ConditioningAugmentation,
  ResBlock,
  StackDiscriminator,
  StageOneGenerator,
  StageTwoGenerator,
} from './harnesses/stackgan-nets.js';
export {
  type CaptionEncoder,
  type CaptionEncoderOptions,
  captionEncoder,
  captionFeatures,
  captionTokens,
} from './harnesses/stackgan-text.js';
export {
  HARNESS_NAMES,
  HARNESSES,
  type HarnessName,
  harnessDescriptor,
} from './harnesses/table.js';
export {
  type AttributeLabels,
  CaptionAttributeReader,
  type CaptionAttributeReaderOptions,
} from './metrics/caption-attributes.js';
export {
  classifierAccuracy,
  classifierFeatures,
  type FitClassifierOptions,
  fitClassifier,
  SmallClassifier,
  type SmallClassifierOptions,
} from './metrics/classifier.js';
// Metrics
export { type Features, featureRows } from './metrics/features.js';
export {
  type FeatureStatistics,
  featureStatistics,
  frechetDistance,
  frechetFeatureDistance,
} from './metrics/frechet.js';
export { type KidOptions, kernelDistance } from './metrics/kid.js';
export { shapeColours } from './metrics/shape-colour.js';
export {
  laplacianPyramid,
  type PatchCentres,
  patchDescriptors,
  randomCentres,
  type SwdOptions,
  type SwdResult,
  slicedWasserstein,
  slicedWassersteinDistance,
  swdResolutions,
} from './metrics/swd.js';
// Also in @atelier/gan/internal; leaves this entry once tasks' top-eigen baseline imports it from there.
export { type CosineScheduleOptions, cosineSchedule } from './schedules/cosine.js';
// Schedules
export {
  constantSchedule,
  createSchedule,
  type ScheduleSpec,
} from './schedules/create-schedule.js';
export { type LinearScheduleOptions, linearSchedule } from './schedules/linear.js';
export { type PlateauScheduleOptions, plateauSchedule } from './schedules/plateau.js';
export {
  imagesToTarget,
  type ProgressivePhase,
  type ProgressivePhasesOptions,
  progressivePhase,
} from './schedules/progressive-phases.js';
export {
  type LrSchedule,
  SCHEDULE_KINDS,
  type ScheduleKind,
  type ScheduleState,
} from './schedules/schedule.js';
export { type StepScheduleOptions, stepSchedule } from './schedules/step.js';
// Trainer
export {
  BatchLoader,
  type DataPosition,
  type LoadedBatch,
} from './trainer/batch-loader.js';
export { DivergenceError, LossWatch, nonFiniteWeight } from './trainer/divergence.js';
export {
  type Harness,
  type HarnessOptimizer,
  isRandomStateful,
  type Json,
  type JsonObject,
  type LossTerms,
  type RandomStateful,
  type SampleColumn,
  type StepContext,
} from './trainer/harness.js';
export { isolated } from './trainer/isolated.js';
export { type ChartOptions, type ChartSeries, lineChart } from './trainer/loss-chart.js';
export { type MetricsLine, parseMetrics } from './trainer/metrics-line.js';
export { OnnxStepEngine, TRAIN_ENGINES, type TrainEngine } from './trainer/onnx-engine.js';
export { formatDuration, StepRate, type TrainProgress } from './trainer/progress.js';
export { randomStates, setRandomStates } from './trainer/random-states.js';
export { type ReportInput, renderReport } from './trainer/report.js';
export { RunFolder } from './trainer/run-folder.js';
export { sampleGrid } from './trainer/sample-grid.js';
// Also in @atelier/gan/internal; leaves this entry once bench's gan suites import it from there.
export { setLearningRate, type TrainOptions, type TrainResult, train } from './trainer/trainer.js';
// Training parts
export { Ema } from './training/ema.js';
export { ImagePool } from './training/image-pool.js';
export { resetAdam } from './training/reset-adam.js';
