// @atelier/tasks: the course's applications on the gan trainer, each a task descriptor
// (options, data, harness, inference model) listed in one table.

export { Pca } from './baselines/pca.js';
export { checkImages } from './check-images.js';
export { IMAGE_SETS, type ImageSet, imageSet } from './data/image-sets.js';
export { stackField } from './data/stack-field.js';
export { interpolateCodes, nearestCodes } from './latent/latent-tools.js';
export {
  ConvAutoencoder,
  type ConvAutoencoderOptions,
  type LatentCode,
} from './nets/conv-autoencoder.js';
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
