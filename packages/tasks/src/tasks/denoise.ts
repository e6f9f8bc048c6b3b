import { type Module, rng, tf } from '@atelier/core';
import {
  type Harness,
  intOption,
  type JsonObject,
  numberOption,
  readOptions,
  type SampleColumn,
} from '@atelier/gan';
import { checkImages, unitToSigned } from '../check-images.js';
import { imageSet } from '../data/image-sets.js';
import { DnCnn } from '../nets/dncnn.js';
import type { TaskDescriptor, TaskModel } from '../task.js';
import { oneNetFromWeights, taskFunctions } from '../task-functions.js';

export interface DenoiseOptions {
  /** Standard deviation of the Gaussian noise on the 0–255 scale (DnCNN's 15, 25, 50); default 25. */
  sigma?: number;
  /** Image channels; default 3 (the data fills it). */
  channels?: number;
  /** Convolutional layers; default 17 (DnCNN-S). */
  depth?: number;
  /** Feature maps; default 64. */
  features?: number;
  /** Adam's rate; default 1e-3 (the paper's first 30 epochs). */
  lr?: number;
  /** Seeds the initial weights and the noise; default 0. */
  seed?: number;
}

export type ResolvedDenoise = Required<DenoiseOptions>;

const KNOWN = ['sigma', 'channels', 'depth', 'features', 'lr', 'seed'] as const;

export function resolveDenoise(options?: DenoiseOptions): ResolvedDenoise {
  const where = 'denoise';
  const o = readOptions(options, where, KNOWN);
  return {
    sigma: numberOption(o.sigma, 25, 'sigma', where),
    channels: intOption(o.channels, 3, 'channels', where),
    depth: intOption(o.depth, 17, 'depth', where, 2),
    features: intOption(o.features, 64, 'features', where),
    lr: numberOption(o.lr, 1e-3, 'lr', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

function createNet(o: ResolvedDenoise): DnCnn {
  return new DnCnn(
    { channels: o.channels, depth: o.depth, features: o.features },
    rng(o.seed).fork('net'),
  );
}

/** Clean images [N, H, W, C] in [0, 1]; the noise is drawn at each step. */
export interface CleanBatch {
  image: tf.Tensor4D;
}

export interface DenoiseHarness extends Harness<CleanBatch> {
  readonly options: ResolvedDenoise;
}

/**
 * Adds N(0, (σ/255)²) noise to images in [0, 1] with a seeded stream: the same noise
 * for the same seed, as held-out evaluations need.
 */
export function addNoise(images: tf.Tensor4D, sigma: number, seed: number): tf.Tensor4D {
  checkImages(images, 'addNoise', { channels: images.shape?.[3] ?? 0 });
  return tf.tidy(() => tf.add(images, rng(seed).normal(images.shape, 0, sigma / 255)));
}

/**
 * The training harness, as DnCNN's: fresh noise each step from the run's stream, the
 * network's residual regressed on the noise, ½‖R(y) − (y − x)‖² averaged (logged as
 * `mse`, the mean over pixels).
 */
function createHarness(options?: DenoiseOptions): DenoiseHarness {
  const o = resolveDenoise(options);
  const net = createNet(o);
  const optimizer = tf.train.adam(o.lr, 0.9, 0.999, 1e-8);
  return {
    name: 'denoise',
    options: o,
    config: o as unknown as JsonObject,
    modules: { net },
    optimizers: { net: { optimizer, modules: ['net'], lr: o.lr } },
    generators: ['net'],
    monitor: 'mse',
    check(batch) {
      checkImages(batch?.image, 'denoise', { channels: o.channels });
    },
    step([batch], ctx) {
      const x = batch!.image;
      const noise = ctx.keep(ctx.rng.normal(x.shape, 0, o.sigma / 255));
      ctx.update('net', () => ({
        mse: tf.mean(tf.squaredDifference(net.residual(tf.add(x, noise)), noise)) as tf.Scalar,
      }));
    },
    samples(batch, generators): SampleColumn[] {
      const noisy = tf.add(
        batch.image,
        rng(o.seed)
          .fork('samples')
          .normal(batch.image.shape, 0, o.sigma / 255),
      );
      const clean = generators.net!.forward(noisy) as tf.Tensor4D;
      const show = (t: tf.Tensor) => unitToSigned(tf.clipByValue(t, 0, 1)) as tf.Tensor4D;
      return [
        { title: 'noisy', images: show(noisy) },
        { title: 'denoised', images: show(clean) },
        { title: 'clean', images: show(batch.image) },
      ];
    },
    createModule(): Module {
      return createNet(o);
    },
    dispose() {
      optimizer.dispose();
      net.dispose();
    },
  };
}

/** A trained DnCNN: `apply(noisy)` gives the denoised images, clipped to [0, 1]. */
export class DenoiseModel implements TaskModel {
  readonly task = 'denoise';
  readonly config: JsonObject;
  readonly net: DnCnn;
  readonly options: ResolvedDenoise;

  constructor(net: DnCnn, options: ResolvedDenoise) {
    this.net = net.eval();
    this.options = options;
    this.config = options as unknown as JsonObject;
  }

  apply(noisy: tf.Tensor4D): tf.Tensor4D {
    const y = checkImages(noisy, 'denoise.apply', { channels: this.options.channels });
    return tf.tidy(() => tf.clipByValue(this.net.forward(y), 0, 1));
  }

  dispose(): void {
    this.net.dispose();
  }
}

/** DnCNN for Gaussian noise of a given σ on any image set; the embedded default is `synthetic:textures`. */
export const denoiseTask: TaskDescriptor<DenoiseOptions, DenoiseHarness, DenoiseModel> = {
  name: 'denoise',
  summary: 'DnCNN (residual, predicts the noise) for Gaussian noise of a given sigma',
  flags: {
    sigma: { option: 'sigma', kind: 'number', help: 'noise std on the 0-255 scale (default 25)' },
    depth: { option: 'depth', kind: 'int', help: 'conv layers (default 17)' },
    features: { option: 'features', kind: 'int', help: 'feature maps (default 64)' },
    lr: { option: 'lr', kind: 'number', help: 'Adam learning rate (default 1e-3)' },
  },
  defaults: { data: 'synthetic:textures', size: 40, steps: 3000, batch: 32 },
  exported: ['net'],
  async data(options) {
    return imageSet({
      ...options,
      range: 'unit',
      where: 'denoise data',
      defaultData: denoiseTask.defaults.data,
    });
  },
  create: createHarness,
  fromWeights: oneNetFromWeights('net', resolveDenoise, createNet, DenoiseModel),
};

const functions = taskFunctions(denoiseTask);
/** Trains a DnCNN denoiser (see `denoiseTask`). */
export const trainDenoiser = functions.train;
/** The denoiser of a finished run (its folder, or its `net.safetensors`). */
export const loadDenoiser = functions.load;
