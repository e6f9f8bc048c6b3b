import { Module, parameter, tf } from '@atelier/core';
import { booleanOption, checkFeatures, positiveInt } from '../checks.js';
import { torchDefaultBias, torchDefaultWeight } from '../init/initializers.js';
import { forkSeed, type Seed } from '../seed.js';
import type { WeightedLayer } from './weighted.js';

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  /** Default true. */
  bias?: boolean;
  /** Seed of PyTorch's default initialisation, U(-1/sqrt(in), 1/sqrt(in)). */
  seed?: Seed;
}

/**
 * PyTorch's nn.Linear on the last axis of any tensor [..., in] -> [..., out].
 * `weight` is [in, out] (PyTorch's (out, in), kind 'linear'), `bias` [out].
 */
export class Linear extends Module implements WeightedLayer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(options: LinearOptions) {
    super();
    const where = 'Linear';
    this.inFeatures = positiveInt(options?.inFeatures, 'inFeatures', where);
    this.outFeatures = positiveInt(options.outFeatures, 'outFeatures', where);
    const withBias = booleanOption(options.bias ?? true, 'bias', where);
    const shape = [this.inFeatures, this.outFeatures];
    this.weight = parameter(
      torchDefaultWeight(shape, 'linear', forkSeed(options.seed, 'weight', where)),
      'linear',
    );
    this.bias = withBias
      ? parameter(
          torchDefaultBias(
            this.outFeatures,
            this.inFeatures,
            forkSeed(options.seed, 'bias', where),
          ),
        )
      : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.forwardWithWeight(x, this.weight);
  }

  forwardWithWeight(x: tf.Tensor, weight: tf.Tensor): tf.Tensor {
    checkFeatures(x, 'Linear', this.inFeatures);
    const lead = x.shape.slice(0, -1);
    let y = tf.matMul(tf.reshape(x, [-1, this.inFeatures]), weight as tf.Tensor2D);
    if (this.bias) y = tf.add(y, this.bias);
    return tf.reshape(y, [...lead, this.outFeatures]);
  }
}
