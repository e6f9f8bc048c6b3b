import { ArgumentError, describe, Module, ShapeError, tf } from '@atelier/core';

/**
 * ProGAN's minibatch standard deviation (Karras et al. 2018, networks.py
 * `minibatch_stddev_layer`): the batch is split into groups of min(groupSize, N)
 * samples, interleaved as the reference's reshape [G, N / G, ...] makes them (sample
 * g·M + m is in group m); within a group each feature's standard deviation
 * sqrt(var + 1e-8) is taken over the group, averaged over H, W and C, and appended to
 * every sample of the group as one extra feature map. NHWC: [N, H, W, C] -> [N, H, W, C + 1].
 * No state.
 */
export class MinibatchStddev extends Module {
  readonly groupSize: number;
  readonly eps: number;

  constructor(options: { groupSize?: number; eps?: number } = {}) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `MinibatchStddev: options must be { groupSize?, eps? }, got ${describe(options)}`,
      );
    }
    const g = options.groupSize ?? 4;
    if (!Number.isSafeInteger(g) || g < 1) {
      throw new ArgumentError(
        `MinibatchStddev: groupSize must be an integer >= 1, got ${describe(options.groupSize)}`,
      );
    }
    const eps = options.eps ?? 1e-8;
    if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) {
      throw new ArgumentError(`MinibatchStddev: eps must be a number >= 0, got ${describe(eps)}`);
    }
    this.groupSize = g;
    this.eps = eps;
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    if (!(x instanceof tf.Tensor) || x.rank !== 4) {
      throw new ShapeError(`MinibatchStddev: expected features [N, H, W, C], got ${describe(x)}`);
    }
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const g = Math.min(this.groupSize, n);
    if (n % g !== 0) {
      throw new ShapeError(
        `MinibatchStddev: the batch (${n}) must be a multiple of the group size ${g} (or smaller than it)`,
      );
    }
    return tf.tidy(() => {
      // [G, M, H·W·C]: the reference's [G, M, ...] at rank 3 (WebGPU indexes up to vec4).
      const m = n / g;
      const y = tf.reshape(x, [g, m, h * w * c]);
      const centred = tf.sub(y, tf.mean(y, 0, true));
      const std = tf.sqrt(tf.add(tf.mean(tf.square(centred), 0), this.eps)); // [M, H·W·C]
      const perGroup = tf.reshape(tf.mean(std, 1), [1, m, 1]);
      const map = tf.reshape(tf.tile(perGroup, [g, 1, h * w]), [n, h, w, 1]);
      return tf.concat([x, map], 3) as tf.Tensor4D;
    });
  }
}
