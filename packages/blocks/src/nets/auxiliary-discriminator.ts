import { describe, isModule, Module, type Rng, rng, ShapeError, tf } from '@atelier/core';
import { Conv2d } from '../layers/conv2d.js';
import { DCGANDiscriminator } from './dcgan-discriminator.js';
import type { DcganSize } from './dcgan-size.js';

export interface AuxiliaryDiscriminatorOptions {
  numClasses: number;
  inChannels?: number;
  ndf?: number;
  size?: DcganSize;
  seed?: number | Rng;
}

/**
 * AC-GAN's discriminator (Odena et al.): a DCGAN discriminator that sees only the image
 * and has two heads on its last 4x4 features: the real/fake logit (the DCGAN's own last
 * conv) and `numClasses` class logits (a second 4x4 conv).
 */
export class AuxiliaryDiscriminator extends Module {
  readonly net: DCGANDiscriminator;
  readonly classify: Conv2d;

  constructor(options: AuxiliaryDiscriminatorOptions) {
    super();
    const r = typeof options.seed === 'object' ? options.seed : rng(options.seed ?? 0);
    const size = options.size ?? 64;
    const ndf = options.ndf ?? 64;
    this.net = new DCGANDiscriminator({
      inChannels: options.inChannels ?? 3,
      ndf,
      size,
      seed: r.fork('net'),
    });
    this.classify = new Conv2d({
      inChannels: ndf * (size / 8),
      outChannels: options.numClasses,
      kernelSize: 4,
      bias: true,
      seed: r.fork('classify'),
    });
  }

  /** Images -> { adversarial: [N] logits, classes: [N, numClasses] logits }. */
  forward(images: tf.Tensor4D): { adversarial: tf.Tensor1D; classes: tf.Tensor2D } {
    const { main, size, inChannels } = this.net;
    if (
      !(images instanceof tf.Tensor) ||
      images.rank !== 4 ||
      images.shape[1] !== size ||
      images.shape[2] !== size ||
      images.shape[3] !== inChannels
    ) {
      throw new ShapeError(
        `AuxiliaryDiscriminator: expected images [N, ${size}, ${size}, ${inChannels}], got ${describe(images)}`,
      );
    }
    let x: tf.Tensor = images;
    // The DCGAN's layers up to its 4x4 features; its last conv is the adversarial head.
    for (let i = 0; i < main.length - 1; i++) {
      const layer = main.at(i)!;
      x = isModule(layer) ? layer.forward(x) : layer(x);
    }
    const last = main.at(-1)!;
    const adversarial = isModule(last) ? last.forward(x) : last(x);
    const n = images.shape[0];
    return {
      adversarial: tf.reshape(adversarial, [n]) as tf.Tensor1D,
      classes: tf.reshape(this.classify.forward(x), [n, -1]) as tf.Tensor2D,
    };
  }
}
