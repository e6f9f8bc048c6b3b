import { buffer, ShapeError, tf } from '@atelier/core';

/** The buffers PyTorch's `_NormBase` keeps when `track_running_stats` is on. */
export interface RunningStats {
  running_mean: tf.Variable;
  running_var: tf.Variable;
  num_batches_tracked: tf.Variable;
}

export function makeRunningStats(channels: number): RunningStats {
  return {
    running_mean: buffer(tf.zeros([channels])),
    running_var: buffer(tf.ones([channels])),
    num_batches_tracked: buffer(tf.scalar(0, 'int32')),
  };
}

/**
 * One training step of PyTorch's running statistics: the counter goes up by one (unless
 * `countBatches` is false: PyTorch's InstanceNorm never counts), and
 * running = (1 - f) * running + f * batch, where f is `momentum`, or 1 / count for a
 * cumulative average when momentum is null. The variance folded in is the unbiased one
 * (the batch's biased variance times n / (n - 1)), while the batch itself was
 * normalised with the biased one, as PyTorch does.
 *
 * `mean` and `biasedVar` are [C]; `count` is the number of values each was taken over.
 * Only the buffers change.
 */
export function updateRunningStats(
  stats: RunningStats,
  mean: tf.Tensor,
  biasedVar: tf.Tensor,
  count: number,
  momentum: number | null,
  where: string,
  countBatches = true,
): void {
  if (count < 2) {
    throw new ShapeError(
      `${where}: training needs more than one value per channel to estimate a variance, got ${count}`,
    );
  }
  // Gradients never reach the buffers: assign is not recorded on the tape. Everything
  // stays on the device (no read-back of the counter).
  tf.tidy(() => {
    const batches = tf.add(stats.num_batches_tracked, tf.scalar(1, 'int32'));
    if (countBatches) stats.num_batches_tracked.assign(batches);
    const f: tf.Tensor =
      momentum === null ? tf.div(1, tf.cast(batches, 'float32')) : tf.scalar(momentum);
    const keep = tf.sub(1, f);
    const v = tf.mul(biasedVar, count / (count - 1));
    stats.running_mean.assign(tf.add(tf.mul(stats.running_mean, keep), tf.mul(mean, f)));
    stats.running_var.assign(tf.add(tf.mul(stats.running_var, keep), tf.mul(v, f)));
  });
}
