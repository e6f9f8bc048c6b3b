import { Module, type Rng, rng, ShapeError, tf } from '@atelier/core';
import { DCGANDiscriminator } from './dcgan-discriminator.js';
import type { DcganSize } from './dcgan-size.js';
import { LabelEmbedding } from './label-embedding.js';

export interface ConditionalDiscriminatorOptions {
  numClasses: number;
  /** Channels of the label map concatenated to the image (default 8). */
  embedDim?: number;
  inChannels?: number;
  ndf?: number;
  size?: DcganSize;
  seed?: number | Rng;
}

/**
 * A class-conditional DCGAN discriminator: the label's embedding, tiled over the image,
 * is concatenated to the image's channels, and a DCGAN discriminator with
 * inChannels + embedDim inputs gives one logit per image, [N].
 */
export class ConditionalDiscriminator extends Module {
  readonly embed: LabelEmbedding;
  readonly net: DCGANDiscriminator;

  constructor(options: ConditionalDiscriminatorOptions) {
    super();
    const r = typeof options.seed === 'object' ? options.seed : rng(options.seed ?? 0);
    const embedDim = options.embedDim ?? 8;
    this.embed = new LabelEmbedding(options.numClasses, embedDim, r.fork('embed'));
    this.net = new DCGANDiscriminator({
      inChannels: (options.inChannels ?? 3) + embedDim,
      ndf: options.ndf ?? 64,
      size: options.size ?? 64,
      seed: r.fork('net'),
    });
  }

  forward(images: tf.Tensor4D, labels: tf.Tensor): tf.Tensor1D {
    const [n, h, w] = images.shape;
    if (labels.shape[0] !== n) {
      throw new ShapeError(`ConditionalDiscriminator: ${n} images but ${labels.shape[0]} labels`);
    }
    const e = this.embed.forward(labels);
    const map = tf.tile(tf.reshape(e, [n, 1, 1, this.embed.dim]), [1, h, w, 1]);
    return tf.reshape(this.net.forward(tf.concat([images, map], 3)), [n]) as tf.Tensor1D;
  }
}
