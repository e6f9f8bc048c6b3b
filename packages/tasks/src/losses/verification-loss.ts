import { describe, ShapeError, tf } from '@atelier/core';

/**
 * Koch et al.'s verification loss: the binary cross-entropy of the head's logits x [N]
 * against `same` [N] (1 for a pair of one class, 0 otherwise), as softplus(x) − x·y
 * averaged over the pairs (PyTorch's binary_cross_entropy_with_logits, mean).
 */
export function verificationLoss(logits: tf.Tensor, same: tf.Tensor): tf.Scalar {
  const where = 'verificationLoss';
  for (const [name, t] of [
    ['logits', logits],
    ['same', same],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 1)
      throw new ShapeError(`${where}: expected ${name} [N], got ${describe(t)}`);
  }
  if (logits.shape[0] !== same.shape[0]) {
    throw new ShapeError(
      `${where}: logits [${logits.shape[0]}] and labels [${same.shape[0]}] differ in length`,
    );
  }
  return tf.tidy(() => tf.mean(tf.sub(tf.softplus(logits), tf.mul(logits, same)))) as tf.Scalar;
}
