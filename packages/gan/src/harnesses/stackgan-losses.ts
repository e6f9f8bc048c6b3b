import { tf } from '@atelier/core';

/** KL(N(μ, σ²) ‖ N(0, I)) averaged over batch and dimensions: the reference's KL_loss. */
export function conditioningKl(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Scalar {
  return tf.tidy(
    () =>
      tf.mul(
        -0.5,
        tf.mean(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar)))),
      ) as tf.Scalar,
  );
}

/** nn.BCELoss(sigmoid(logits), target) averaged over the batch, computed stably from logits. */
export function bceWithLogits(logits: tf.Tensor1D, target: 0 | 1): tf.Scalar {
  return tf.tidy(
    () =>
      tf.losses.sigmoidCrossEntropy(
        target === 1 ? tf.onesLike(logits) : tf.zerosLike(logits),
        logits,
      ) as tf.Scalar,
  );
}

/** The identity whose gradient is zero: PyTorch's `.detach()` inside a recorded loss. */
export const detach = tf.customGrad((...inputs) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as <T extends tf.Tensor>(x: T) => T;

/**
 * The weights of the matching-aware discriminator terms: stage I L_D = real +
 * ½(wrong + fake); stage II (with the unconditional head) ½(real + uncond real) +
 * ⅓(fake + wrong + uncond fake), as compute_discriminator_loss.
 */
export function discriminatorWeights(stage: 1 | 2): Record<string, number> {
  return stage === 1
    ? { D_real: 1, D_wrong: 0.5, D_fake: 0.5 }
    : { D_real: 0.5, D_uncond_real: 0.5, D_fake: 1 / 3, D_wrong: 1 / 3, D_uncond_fake: 1 / 3 };
}
