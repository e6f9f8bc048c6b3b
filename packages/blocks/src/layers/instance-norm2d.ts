import { ArgumentError, Module, ops, parameter, tf } from '@atelier/core';
import { booleanOption, checkNHWC, positiveInt } from '../checks.js';
import { epsOption, momentumOption } from './norm-options.js';
import { makeRunningStats, updateRunningStats } from './running-stats.js';

export interface InstanceNorm2dOptions {
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /** For the running statistics; default 0.1. */
  momentum?: number;
  /** Learned per-channel `weight` and `bias`; default false, as PyTorch. */
  affine?: boolean;
  /** Keep running statistics and use them in eval mode; default false, as PyTorch. */
  trackRunningStats?: boolean;
}

/**
 * PyTorch's nn.InstanceNorm2d on NHWC tensors: each (sample, channel) plane normalised
 * over H and W (through the fused `ops.instanceNorm`). With `trackRunningStats`,
 * training also moves the running statistics towards the average over the batch of the
 * per-instance means and unbiased variances, and eval mode normalises by them;
 * `num_batches_tracked` is kept for the state dict but, as in PyTorch, never counts.
 *
 * Without tracked statistics, loading ignores `running_mean`, `running_var` and
 * `num_batches_tracked`: old PyTorch versions saved them for every InstanceNorm.
 */
export class InstanceNorm2d extends Module {
  readonly weight: tf.Variable | undefined;
  readonly bias: tf.Variable | undefined;
  readonly running_mean: tf.Variable | undefined;
  readonly running_var: tf.Variable | undefined;
  readonly num_batches_tracked: tf.Variable | undefined;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;

  constructor(numFeatures: number, options: InstanceNorm2dOptions = {}) {
    super();
    const where = 'InstanceNorm2d';
    this.numFeatures = positiveInt(numFeatures, 'numFeatures', where);
    this.eps = epsOption(options.eps, 1e-5, where);
    // PyTorch's instance norm has no cumulative average (and never counts batches).
    if (options.momentum === null) {
      throw new ArgumentError(
        `${where}: momentum must be a number in [0, 1] (PyTorch's instance norm has no cumulative average), got null`,
      );
    }
    this.momentum = momentumOption(options.momentum, where)!;
    const affine = booleanOption(options.affine ?? false, 'affine', where);
    const track = booleanOption(options.trackRunningStats ?? false, 'trackRunningStats', where);
    this.weight = affine ? parameter(tf.ones([numFeatures])) : undefined;
    this.bias = affine ? parameter(tf.zeros([numFeatures])) : undefined;
    const stats = track ? makeRunningStats(numFeatures) : undefined;
    this.running_mean = stats?.running_mean;
    this.running_var = stats?.running_var;
    this.num_batches_tracked = stats?.num_batches_tracked;
  }

  override ignoredStateKeys(): RegExp[] {
    return this.running_mean ? [] : [/^(running_mean|running_var|num_batches_tracked)$/];
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'InstanceNorm2d', this.numFeatures);
    if (this.running_mean && !this.training) {
      const y = tf.mul(
        tf.sub(input, this.running_mean),
        tf.rsqrt(tf.add(this.running_var!, this.eps)),
      );
      return (this.weight ? tf.add(tf.mul(y, this.weight), this.bias!) : y) as tf.Tensor4D;
    }
    if (this.running_mean && this.training) {
      const [, h, w] = input.shape;
      const { mean, variance } = tf.moments(input, [1, 2]);
      // PyTorch folds the per-instance statistics of all N samples into one running
      // value per channel: the average over the batch of each sample's update.
      updateRunningStats(
        {
          running_mean: this.running_mean,
          running_var: this.running_var!,
          num_batches_tracked: this.num_batches_tracked!,
        },
        tf.reshape(tf.mean(mean, 0), [this.numFeatures]),
        // Made unbiased inside with each plane's count, h * w (linear, so after the mean).
        tf.reshape(tf.mean(variance, 0), [this.numFeatures]),
        h * w,
        this.momentum,
        'InstanceNorm2d',
        false,
      );
    }
    return ops.instanceNorm(input, { gamma: this.weight, beta: this.bias, epsilon: this.eps });
  }
}
