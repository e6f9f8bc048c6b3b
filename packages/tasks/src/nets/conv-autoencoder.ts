import { Conv2d, ConvTranspose2d, Linear } from '@atelier/blocks';
import {
  ArgumentError,
  describe,
  Module,
  type Rng,
  Sequential,
  ShapeError,
  tf,
} from '@atelier/core';

export interface ConvAutoencoderOptions {
  /** Side of the square images; a multiple of 2^downsamplings. */
  size: number;
  channels: number;
  /** Size of the latent code. */
  latent: number;
  /** Channels of the first convolution, doubled at each downsampling. */
  features: number;
  /** Stride-2 convolutions of the encoder (and transposed ones of the decoder). */
  downsamplings: number;
  /** A VAE: the encoder gives a mean and a log-variance. */
  variational: boolean;
}

/** The code of a batch: the mean, and for a VAE the log-variance of q(z | x). */
export interface LatentCode {
  mu: tf.Tensor2D;
  logvar?: tf.Tensor2D;
}

const leaky = (x: tf.Tensor) => tf.leakyRelu(x, 0.2);
const relu = (x: tf.Tensor) => tf.relu(x);

/**
 * A convolutional autoencoder (or VAE): k4 s2 p1 convolutions with LeakyReLU(0.2) down to
 * size / 2^d, a linear map to the latent code (two for a VAE: μ and log σ²), a linear map
 * back, k4 s2 p1 transposed convolutions with ReLU, and Tanh: images in [-1, 1].
 */
export class ConvAutoencoder extends Module {
  readonly encoder: Sequential;
  readonly mu: Linear;
  readonly logvar: Linear | undefined;
  readonly expand: Linear;
  readonly decoder: Sequential;
  readonly #o: ConvAutoencoderOptions;
  readonly #bottom: [number, number, number];

  constructor(options: ConvAutoencoderOptions, seed: Rng) {
    super();
    const o = options;
    const where = 'ConvAutoencoder';
    for (const key of ['size', 'channels', 'latent', 'features', 'downsamplings'] as const) {
      if (!Number.isSafeInteger(o[key]) || o[key] < 1)
        throw new ArgumentError(
          `${where}: ${key} must be a positive integer, got ${describe(o[key])}`,
        );
    }
    const scale = 2 ** o.downsamplings;
    if (o.size % scale !== 0) {
      throw new ArgumentError(
        `${where}: size ${o.size} must be a multiple of ${scale} (${o.downsamplings} downsamplings)`,
      );
    }
    this.#o = { ...o };
    const down: (Module | ((x: tf.Tensor) => tf.Tensor))[] = [];
    let channels = o.channels;
    for (let i = 0; i < o.downsamplings; i++) {
      const out = o.features * 2 ** i;
      down.push(
        new Conv2d({
          inChannels: channels,
          outChannels: out,
          kernelSize: 4,
          stride: 2,
          padding: 1,
          seed: seed.fork(`enc${i}`),
        }),
        leaky,
      );
      channels = out;
    }
    this.encoder = new Sequential(down);
    const side = o.size / scale;
    this.#bottom = [side, side, channels];
    const flat = side * side * channels;
    this.mu = new Linear({ inFeatures: flat, outFeatures: o.latent, seed: seed.fork('mu') });
    this.logvar = o.variational
      ? new Linear({ inFeatures: flat, outFeatures: o.latent, seed: seed.fork('logvar') })
      : undefined;
    this.expand = new Linear({
      inFeatures: o.latent,
      outFeatures: flat,
      seed: seed.fork('expand'),
    });
    const up: (Module | ((x: tf.Tensor) => tf.Tensor))[] = [];
    for (let i = o.downsamplings - 1; i >= 0; i--) {
      const out = i === 0 ? o.channels : o.features * 2 ** (i - 1);
      up.push(
        relu,
        new ConvTranspose2d({
          inChannels: channels,
          outChannels: out,
          kernelSize: 4,
          stride: 2,
          padding: 1,
          seed: seed.fork(`dec${i}`),
        }),
      );
      channels = out;
    }
    up.push((x) => tf.tanh(x));
    this.decoder = new Sequential(up);
  }

  get options(): ConvAutoencoderOptions {
    return { ...this.#o };
  }

  /** Checks images [N, size, size, channels]. */
  check(x: unknown, where: string): tf.Tensor4D {
    const t = x as tf.Tensor;
    const { size, channels } = this.#o;
    if (!(t instanceof tf.Tensor) || t.rank !== 4 || t.shape[1] !== size || t.shape[2] !== size) {
      throw new ShapeError(
        `${where}: expected images [N, ${size}, ${size}, ${channels}], got ${describe(x)}`,
      );
    }
    if (t.shape[3] !== channels) {
      throw new ShapeError(
        `${where}: the autoencoder was built for ${channels} channel(s), got ${t.shape[3]}`,
      );
    }
    return t as tf.Tensor4D;
  }

  /** The code of images in [-1, 1]. */
  encode(x: tf.Tensor4D): LatentCode {
    const h = tf.reshape(this.encoder.forward(x), [x.shape[0], -1]);
    const mu = this.mu.forward(h) as tf.Tensor2D;
    return this.logvar ? { mu, logvar: this.logvar.forward(h) as tf.Tensor2D } : { mu };
  }

  /** Images in [-1, 1] from codes [N, latent]. */
  decode(z: tf.Tensor2D): tf.Tensor4D {
    const h = tf.reshape(this.expand.forward(z), [z.shape[0], ...this.#bottom]);
    return this.decoder.forward(h) as tf.Tensor4D;
  }

  /** The reconstruction from the mean code (no sampling). */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.decode(this.encode(x).mu);
  }
}
