import { Linear } from '@atelier/blocks';
import { ArgumentError, describe, Module, type Rng, Sequential, tf } from '@atelier/core';
import { PARAM_LENGTH } from '../data/shape-params.js';
import { ConvAutoencoder } from './conv-autoencoder.js';

/** The representations of an object the shared space is reached from. */
export const REPRESENTATIONS = ['sketch', 'image', 'params'] as const;
export type Representation = (typeof REPRESENTATIONS)[number];

export interface SharedSpaceNetOptions {
  /** Side of the images, a multiple of 8. */
  size: number;
  /** Size of the shared latent code. */
  latent: number;
  /** Channels of the image coders' first convolution. */
  features: number;
  /** Hidden units of the parameter coder. */
  hidden: number;
}

/** An MLP encoder and decoder of parameter vectors [N, 13] (decoded: logits for kind and colour). */
export class ParamCoder extends Module {
  readonly encoder: Sequential;
  readonly decoder: Sequential;

  constructor(latent: number, hidden: number, seed: Rng) {
    super();
    const relu = (x: tf.Tensor) => tf.relu(x);
    this.encoder = new Sequential([
      new Linear({ inFeatures: PARAM_LENGTH, outFeatures: hidden, seed: seed.fork('enc0') }),
      relu,
      new Linear({ inFeatures: hidden, outFeatures: latent, seed: seed.fork('enc1') }),
    ]);
    this.decoder = new Sequential([
      new Linear({ inFeatures: latent, outFeatures: hidden, seed: seed.fork('dec0') }),
      relu,
      new Linear({ inFeatures: hidden, outFeatures: PARAM_LENGTH, seed: seed.fork('dec1') }),
    ]);
  }

  encode(x: tf.Tensor2D): tf.Tensor2D {
    return this.encoder.forward(x) as tf.Tensor2D;
  }

  decode(z: tf.Tensor2D): tf.Tensor2D {
    return this.decoder.forward(z) as tf.Tensor2D;
  }

  /** The reconstruction of parameter vectors. */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return this.decode(this.encode(x));
  }
}

/**
 * An encoder and a decoder per representation, all meeting in one latent space (Wang
 * et al. 2018's shared shape space, on synthetic shapes): the edge sketch [N, S, S, 1]
 * and the rendered image [N, S, S, 3] (in [-1, 1]) through convolutional autoencoders
 * (k4 s2 convolutions, three downsamplings, a linear map to the code and back), the
 * parameter vector [N, 13] through an MLP.
 */
export class SharedSpaceNet extends Module {
  readonly sketch: ConvAutoencoder;
  readonly image: ConvAutoencoder;
  readonly params: ParamCoder;
  readonly #o: SharedSpaceNetOptions;

  constructor(options: SharedSpaceNetOptions, seed: Rng) {
    super();
    const o = options;
    for (const key of ['size', 'latent', 'features', 'hidden'] as const) {
      if (!Number.isSafeInteger(o[key]) || o[key] < 1)
        throw new ArgumentError(
          `SharedSpaceNet: ${key} must be a positive integer, got ${describe(o[key])}`,
        );
    }
    this.#o = { ...o };
    const conv = (channels: number, name: string) =>
      new ConvAutoencoder(
        {
          size: o.size,
          channels,
          latent: o.latent,
          features: o.features,
          downsamplings: 3,
          variational: false,
        },
        seed.fork(name),
      );
    this.sketch = conv(1, 'sketch');
    this.image = conv(3, 'image');
    this.params = new ParamCoder(o.latent, o.hidden, seed.fork('params'));
  }

  get options(): SharedSpaceNetOptions {
    return { ...this.#o };
  }

  /** The shared code [N, latent] of a batch of one representation. */
  encode(from: Representation, x: tf.Tensor): tf.Tensor2D {
    if (from === 'params') return this.params.encode(x as tf.Tensor2D);
    return this[from].encode(x as tf.Tensor4D).mu;
  }

  /** A representation from shared codes: images in [-1, 1], or parameter logits and values. */
  decode(to: Representation, z: tf.Tensor2D): tf.Tensor {
    if (to === 'params') return this.params.decode(z);
    return this[to].decode(z);
  }

  /** Sketches [N, S, S, 1] to renderings [N, S, S, 3] through the shared code. */
  forward(sketches: tf.Tensor4D): tf.Tensor4D {
    return this.image.decode(this.sketch.encode(sketches).mu);
  }
}
