import { Module, parameter, tf } from '@atelier/core';
import { booleanOption, checkNHWC, positiveInt } from '../checks.js';
import { epsOption, momentumOption } from './norm-options.js';
import { makeRunningStats, updateRunningStats } from './running-stats.js';

export interface BatchNorm2dOptions {
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /** Weight of the new batch in the running statistics, default 0.1; null: cumulative. */
  momentum?: number | null;
  /** Learned per-channel scale `weight` (ones) and shift `bias` (zeros); default true. */
  affine?: boolean;
  /** Keep running_mean, running_var, num_batches_tracked; default true. */
  trackRunningStats?: boolean;
}

/**
 * PyTorch's nn.BatchNorm2d on NHWC tensors. Training: normalised by the batch's
 * statistics over N, H and W (biased variance), and the running statistics move
 * towards the batch's (unbiased variance), as PyTorch. Evaluation: normalised by the
 * running statistics (or by the batch's when they are not tracked).
 * State: `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`.
 */
export class BatchNorm2d extends Module {
  readonly weight: tf.Variable | undefined;
  readonly bias: tf.Variable | undefined;
  readonly running_mean: tf.Variable | undefined;
  readonly running_var: tf.Variable | undefined;
  readonly num_batches_tracked: tf.Variable | undefined;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    const where = 'BatchNorm2d';
    this.numFeatures = positiveInt(numFeatures, 'numFeatures', where);
    this.eps = epsOption(options.eps, 1e-5, where);
    this.momentum = momentumOption(options.momentum, where);
    const affine = booleanOption(options.affine ?? true, 'affine', where);
    const track = booleanOption(options.trackRunningStats ?? true, 'trackRunningStats', where);
    this.weight = affine ? parameter(tf.ones([numFeatures])) : undefined;
    this.bias = affine ? parameter(tf.zeros([numFeatures])) : undefined;
    const stats = track ? makeRunningStats(numFeatures) : undefined;
    this.running_mean = stats?.running_mean;
    this.running_var = stats?.running_var;
    this.num_batches_tracked = stats?.num_batches_tracked;
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'BatchNorm2d', this.numFeatures);
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (this.training || !this.running_mean) {
      ({ mean, variance } = tf.moments(input, [0, 1, 2]));
      if (this.training && this.running_mean) {
        const [n, h, w] = input.shape;
        updateRunningStats(
          {
            running_mean: this.running_mean,
            running_var: this.running_var!,
            num_batches_tracked: this.num_batches_tracked!,
          },
          mean,
          variance,
          n * h * w,
          this.momentum,
          'BatchNorm2d',
        );
      }
    } else {
      mean = this.running_mean;
      variance = this.running_var!;
    }
    let y = tf.mul(tf.sub(input, mean), tf.rsqrt(tf.add(variance, this.eps)));
    if (this.weight) y = tf.add(tf.mul(y, this.weight), this.bias!);
    return y as tf.Tensor4D;
  }
}
