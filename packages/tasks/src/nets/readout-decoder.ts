import { Conv2d, Upsample } from '@atelier/blocks';
import { Module, type Rng, Sequential, tf } from '@atelier/core';
import { checkNetInts, heConv } from './scene-encoder.js';

export interface ReadoutDecoderOptions {
  /** Channels of the representation it reads (the encoder's output). */
  inChannels: number;
  /** ×2 upsamplings back to the image's side (the encoder's levels). */
  levels: number;
  /** Feature maps of the last level; level i from the end has features · 2^i. */
  features: number;
  /** Channels of the prediction (3 for normals, 1 for depth, ...). */
  outChannels: number;
}

/**
 * The small decoder a target task trains on a (frozen or not) representation: per level
 * a nearest ×2 upsampling, a 3×3 conv and ReLU, channels halving down to `features`,
 * then a 3×3 conv to `outChannels` (linear: the task maps it to its range). Keys
 * `model.1.weight`, `model.4.weight`, ...
 */
export class ReadoutDecoder extends Module {
  readonly model: Sequential;
  readonly inChannels: number;

  constructor(options: ReadoutDecoderOptions, seed: Rng) {
    super();
    const { inChannels, levels, features, outChannels } = options;
    checkNetInts('ReadoutDecoder', { inChannels, features, outChannels });
    checkNetInts('ReadoutDecoder', { levels }, 0);
    const relu = (x: tf.Tensor) => tf.relu(x);
    const layers: (Module | ((x: tf.Tensor) => tf.Tensor))[] = [];
    let cin = inChannels;
    for (let i = levels - 1; i >= 0; i--) {
      const c = features * 2 ** i;
      layers.push(
        new Upsample({ scaleFactor: 2, mode: 'nearest' }),
        heConv(cin, c, 3, seed.fork(`conv${i}`)),
        relu,
      );
      cin = c;
    }
    layers.push(
      new Conv2d({
        inChannels: cin,
        outChannels,
        kernelSize: 3,
        padding: 1,
        seed: seed.fork('out'),
      }),
    );
    this.model = new Sequential(layers);
    this.inChannels = inChannels;
  }

  forward(representation: tf.Tensor4D): tf.Tensor4D {
    return this.model.forward(representation) as tf.Tensor4D;
  }
}
