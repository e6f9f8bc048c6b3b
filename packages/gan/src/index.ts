// @atelier/gan: one trainer for every GAN harness, its schedules, EMA and history
// pool, the harnesses (GAN, conditional GAN, pix2pix, CycleGAN) and sample-quality
// metrics (Fréchet distance, KID).

// Metrics
export { type Features, featureRows } from './metrics/features.js';
export {
  type FeatureStatistics,
  featureStatistics,
  frechetDistance,
  frechetFeatureDistance,
} from './metrics/frechet.js';
export { type KidOptions, kernelDistance } from './metrics/kid.js';
export { matmul, sqrtmPsd, traceSqrtPsd } from './metrics/sqrtm.js';
export { type Matrix, symmetricEigen } from './metrics/symmetric-eigen.js';
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
export { formatDuration, StepRate, type TrainProgress } from './trainer/progress.js';
export { randomStates, setRandomStates } from './trainer/random-states.js';
export { type ReportInput, renderReport } from './trainer/report.js';
export { RunFolder } from './trainer/run-folder.js';
export { sampleGrid } from './trainer/sample-grid.js';
export { optimizerVariables, StepRun } from './trainer/step-context.js';
export { setLearningRate, type TrainOptions, type TrainResult, train } from './trainer/trainer.js';
// Training parts
export { Ema } from './training/ema.js';
export { ImagePool } from './training/image-pool.js';
