import { describe, type Module, rng, ShapeError, tf } from '@atelier/core';
import {
  choiceOption,
  type Harness,
  intOption,
  type JsonObject,
  type LossTerms,
  numberOption,
  readOptions,
  type SampleColumn,
} from '@atelier/gan';
import { klNormal } from '@atelier/losses';
import { checkImages, signedToUnit, unitToSigned } from '../check-images.js';
import { imageSet } from '../data/image-sets.js';
import { interpolateCodes, nearestCodes } from '../latent/latent-tools.js';
import { ConvAutoencoder } from '../nets/conv-autoencoder.js';
import type { TaskDescriptor, TaskModel } from '../task.js';
import { oneNetFromWeights, taskFunctions } from '../task-functions.js';

export interface AutoencoderOptions {
  /** 'ae' (default): a deterministic code; 'vae': a variational one with weight `beta` on KL. */
  kind?: 'ae' | 'vae';
  /** Weight of the KL term of a VAE (β-VAE; 1 is Kingma and Welling's); default 1. */
  beta?: number;
  /** Image side; default 32 (a multiple of 2^downsamplings). */
  size?: number;
  /** Image channels; default 3 (the data fills it). */
  channels?: number;
  /** Size of the latent code; default 32. */
  latent?: number;
  /** Channels of the first convolution; default 32. */
  features?: number;
  /** Default 3. */
  downsamplings?: number;
  /** Adam's rate (β1 0.9); default 1e-3. */
  lr?: number;
  /** Seeds the initial weights and the VAE's sampling; default 0. */
  seed?: number;
}

export type ResolvedAutoencoder = Required<AutoencoderOptions>;

const KNOWN = [
  'kind',
  'beta',
  'size',
  'channels',
  'latent',
  'features',
  'downsamplings',
  'lr',
  'seed',
] as const;

export function resolveAutoencoder(options?: AutoencoderOptions): ResolvedAutoencoder {
  const where = 'autoencoder';
  const o = readOptions(options, where, KNOWN);
  return {
    kind: choiceOption(o.kind, 'ae', ['ae', 'vae'] as const, 'kind', where),
    beta: numberOption(o.beta, 1, 'beta', where),
    size: intOption(o.size, 32, 'size', where, 8),
    channels: intOption(o.channels, 3, 'channels', where),
    latent: intOption(o.latent, 32, 'latent', where),
    features: intOption(o.features, 32, 'features', where),
    downsamplings: intOption(o.downsamplings, 3, 'downsamplings', where),
    lr: numberOption(o.lr, 1e-3, 'lr', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

function createNet(o: ResolvedAutoencoder): ConvAutoencoder {
  return new ConvAutoencoder(
    {
      size: o.size,
      channels: o.channels,
      latent: o.latent,
      features: o.features,
      downsamplings: o.downsamplings,
      variational: o.kind === 'vae',
    },
    rng(o.seed).fork('net'),
  );
}

/** A batch of images [N, size, size, C] in [-1, 1]. */
export interface ImageBatch {
  image: tf.Tensor4D;
}

export interface AutoencoderHarness extends Harness<ImageBatch> {
  readonly options: ResolvedAutoencoder;
}

/**
 * The training harness: reconstruction error summed over each image's pixels (the
 * Gaussian log-likelihood up to a constant), plus β·KL(q(z|x) ‖ N(0, I)) for a VAE with
 * the reparameterised sample z = μ + σ·ε. Logged: recon (the mean squared error) and KL.
 */
function createHarness(options?: AutoencoderOptions): AutoencoderHarness {
  const o = resolveAutoencoder(options);
  const net = createNet(o);
  const optimizer = tf.train.adam(o.lr, 0.9, 0.999, 1e-8);
  const pixels = o.size * o.size * o.channels;
  return {
    name: 'autoencoder',
    options: o,
    config: o as unknown as JsonObject,
    modules: { net },
    optimizers: { net: { optimizer, modules: ['net'], lr: o.lr } },
    generators: ['net'],
    monitor: 'recon',
    check(batch) {
      checkImages(batch?.image, 'autoencoder', { channels: o.channels, size: o.size });
    },
    step([batch], ctx) {
      const x = batch!.image;
      ctx.update(
        'net',
        (): LossTerms => {
          const { mu, logvar } = net.encode(x);
          if (!logvar)
            return { recon: tf.mean(tf.squaredDifference(net.decode(mu), x)) as tf.Scalar };
          const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), ctx.rng.normal(mu.shape)));
          return {
            recon: tf.mean(tf.squaredDifference(net.decode(z as tf.Tensor2D), x)) as tf.Scalar,
            KL: klNormal(mu, logvar, { reduction: 'batchmean' }) as tf.Scalar,
          };
        },
        { recon: pixels, KL: o.beta },
      );
    },
    samples(batch, generators): SampleColumn[] {
      return [
        { title: 'input', images: batch.image },
        { title: 'reconstruction', images: generators.net!.forward(batch.image) as tf.Tensor4D },
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

/** A trained autoencoder: codes, reconstructions, interpolations, retrieval. Images in [0, 1]. */
export class AutoencoderModel implements TaskModel {
  readonly task = 'autoencoder';
  readonly config: JsonObject;
  readonly net: ConvAutoencoder;

  constructor(net: ConvAutoencoder, config: ResolvedAutoencoder) {
    this.net = net.eval();
    this.config = config as unknown as JsonObject;
  }

  #check(images: unknown, where: string): tf.Tensor4D {
    const o = this.net.options;
    return checkImages(images, `autoencoder.${where}`, { channels: o.channels, size: o.size });
  }

  /** Reconstructions of images [N, size, size, C] in [0, 1]. */
  apply(images: tf.Tensor4D): tf.Tensor4D {
    const x = this.#check(images, 'apply');
    return tf.tidy(() =>
      signedToUnit(this.net.forward(unitToSigned(x) as tf.Tensor4D)),
    ) as tf.Tensor4D;
  }

  /** Codes [N, latent] (the mean of q(z|x) for a VAE). */
  encode(images: tf.Tensor4D): tf.Tensor2D {
    const x = this.#check(images, 'encode');
    return tf.tidy(() => this.net.encode(unitToSigned(x) as tf.Tensor4D).mu);
  }

  /** Images in [0, 1] from codes [N, latent]. */
  decode(codes: tf.Tensor2D): tf.Tensor4D {
    const latent = this.net.options.latent;
    if (!(codes instanceof tf.Tensor) || codes.rank !== 2 || codes.shape[1] !== latent) {
      throw new ShapeError(
        `autoencoder.decode: expected codes [N, ${latent}], got ${describe(codes)}`,
      );
    }
    return tf.tidy(() => signedToUnit(this.net.decode(codes)) as tf.Tensor4D);
  }

  /**
   * The decoded interpolation between the codes of 2 images (a row of `steps`) or 4
   * images (a steps x steps grid, corners top-left, top-right, bottom-left,
   * bottom-right): [steps or steps², size, size, C] in [0, 1].
   */
  interpolate(corners: tf.Tensor4D, steps: number): tf.Tensor4D {
    const x = this.#check(corners, 'interpolate');
    return tf.tidy(() => {
      const codes = interpolateCodes(this.net.encode(unitToSigned(x) as tf.Tensor4D).mu, steps);
      return signedToUnit(this.net.decode(codes)) as tf.Tensor4D;
    });
  }

  /** For each query image, the indices of the `k` gallery images nearest in the latent space. */
  async nearest(queries: tf.Tensor4D, gallery: tf.Tensor4D, k = 1): Promise<number[][]> {
    const q = this.encode(queries);
    const g = this.encode(gallery);
    try {
      return await nearestCodes(q, g, k);
    } finally {
      tf.dispose([q, g]);
    }
  }

  dispose(): void {
    this.net.dispose();
  }
}

/**
 * Convolutional autoencoder and VAE (β option) on any image set; the embedded default is
 * `synthetic:shapes`.
 */
export const autoencoderTask: TaskDescriptor<
  AutoencoderOptions,
  AutoencoderHarness,
  AutoencoderModel
> = {
  name: 'autoencoder',
  summary: 'convolutional autoencoder or VAE (β): encode, decode, interpolate, retrieve',
  flags: {
    kind: { option: 'kind', kind: 'string', help: 'ae (default) or vae' },
    beta: { option: 'beta', kind: 'number', help: 'weight of the VAE KL term (default 1)' },
    latent: { option: 'latent', kind: 'int', help: 'size of the code (default 32)' },
    features: { option: 'features', kind: 'int', help: 'channels of the first conv (default 32)' },
    downsamplings: { option: 'downsamplings', kind: 'int', help: 'stride-2 convs (default 3)' },
    lr: { option: 'lr', kind: 'number', help: 'Adam learning rate (default 1e-3)' },
  },
  defaults: { data: 'synthetic:shapes', size: 32, steps: 2000, batch: 32 },
  fixedSize: true,
  exported: ['net'],
  async data(options) {
    const data = await imageSet({
      ...options,
      range: 'signed',
      where: 'autoencoder data',
      defaultData: this.defaults.data,
    });
    return { ...data, fills: { ...data.fills, size: options.size } };
  },
  create: createHarness,
  fromWeights: oneNetFromWeights('net', resolveAutoencoder, createNet, AutoencoderModel),
};

const functions = taskFunctions(autoencoderTask);
/** Trains an autoencoder (see `autoencoderTask`). */
export const trainAutoencoder = functions.train;
/** The autoencoder of a finished run (its folder, or its `net.safetensors`). */
export const loadAutoencoder = functions.load;
