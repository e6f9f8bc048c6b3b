import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

/**
 * Direct Intrinsics' loss (Narihira et al. 2015) between predictions and targets
 * [N, H, W, C]: with d = prediction − target over each image's n values,
 * (1/n) Σ d² − (λ/n²) (Σ d)², averaged over the batch. λ = 0 is the MSE, λ = 1 the
 * scale-invariant MSE (blind to a constant offset of d, so to a global scale when the
 * values are logarithms); the paper's λ = 0.5 is their mean.
 */
export function scaleInvariantMse(
  prediction: tf.Tensor,
  target: tf.Tensor,
  lambda = 0.5,
): tf.Scalar {
  const where = 'scaleInvariantMse';
  if (!(prediction instanceof tf.Tensor) || prediction.rank !== 4)
    throw new ShapeError(`${where}: expected prediction [N, H, W, C], got ${describe(prediction)}`);
  if (!(target instanceof tf.Tensor) || target.shape.join() !== prediction.shape.join())
    throw new ShapeError(
      `${where}: target must have the prediction's shape [${prediction.shape.join(', ')}], got ${describe(target)}`,
    );
  if (typeof lambda !== 'number' || !(lambda >= 0 && lambda <= 1))
    throw new ArgumentError(`${where}: lambda must be a number in [0, 1], got ${describe(lambda)}`);
  return tf.tidy(() => {
    const d = tf.sub(prediction, target);
    const squares = tf.mean(tf.square(d), [1, 2, 3]);
    const offset = tf.square(tf.mean(d, [1, 2, 3]));
    return tf.mean(tf.sub(squares, tf.mul(offset, lambda))) as tf.Scalar;
  });
}
