import { tf } from '@atelier/core';

/**
 * Sigmoid cross-entropy of logits x against targets z, softplus(x) - x·z, which equals
 * PyTorch's binary_cross_entropy_with_logits without overflow for large |x|. Its
 * second derivative goes through sigmoid, whose gradient @atelier/core makes correct
 * at second order (gradient penalties differentiate through it).
 */
export function sigmoidCrossEntropy(logits: tf.Tensor, target: number | tf.Tensor): tf.Tensor {
  if (typeof target === 'number' && target === 0) return tf.softplus(logits);
  return tf.sub(tf.softplus(logits), tf.mul(logits, target));
}
