import { ArgumentError, describe, Module, ShapeError, tf } from '@atelier/core';
import { epsOption } from './norm-options.js';

/**
 * ProGAN's pixelwise feature normalisation: each feature vector (the last axis: the
 * channels of an NHWC pixel, or a latent code [N, C]) divided by its root mean square,
 * x / sqrt(mean(x^2) + eps), eps 1e-8. No state.
 */
export class PixelNorm extends Module {
  readonly eps: number;

  constructor(options: { eps?: number } = {}) {
    super();
    this.eps = epsOption(options.eps, 1e-8, 'PixelNorm');
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!(x instanceof tf.Tensor)) {
      throw new ArgumentError(`PixelNorm: expected a tensor [..., C], got ${describe(x)}`);
    }
    if (x.rank < 1) throw new ShapeError(`PixelNorm: expected a tensor of rank >= 1, got a scalar`);
    return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), this.eps)));
  }
}
