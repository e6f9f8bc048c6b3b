import { ArgumentError, Module, parameter, tf } from '@atelier/core';
import { booleanOption, checkNHWC, positiveInt } from '../checks.js';
import { epsOption } from './norm-options.js';

export interface GroupNormOptions {
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /** Learned per-channel `weight` and `bias`; default true. */
  affine?: boolean;
}

/**
 * PyTorch's nn.GroupNorm on NHWC tensors: the channels are split into `numGroups`
 * consecutive groups, each normalised over its channels and H, W per sample (biased
 * variance); then a per-channel affine map.
 */
export class GroupNorm extends Module {
  readonly weight: tf.Variable | undefined;
  readonly bias: tf.Variable | undefined;
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    const where = 'GroupNorm';
    this.numGroups = positiveInt(numGroups, 'numGroups', where);
    this.numChannels = positiveInt(numChannels, 'numChannels', where);
    if (numChannels % numGroups !== 0) {
      throw new ArgumentError(
        `${where}: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`,
      );
    }
    this.eps = epsOption(options.eps, 1e-5, where);
    const affine = booleanOption(options.affine ?? true, 'affine', where);
    this.weight = affine ? parameter(tf.ones([numChannels])) : undefined;
    this.bias = affine ? parameter(tf.zeros([numChannels])) : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'GroupNorm', this.numChannels);
    const [n, h, w, c] = input.shape;
    const g = this.numGroups;
    const grouped = tf.reshape(input, [n, h, w, g, c / g]);
    const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
    const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, this.eps)));
    const y = tf.reshape(normed, [n, h, w, c]);
    return (this.weight ? tf.add(tf.mul(y, this.weight), this.bias!) : y) as tf.Tensor4D;
  }
}
