import type { LatentPosterior } from '@atelier/blocks';
import { tf } from '@atelier/core';
import { type GanMode, ganLoss } from './gan-mode.js';

/** BicycleGAN's GANLoss over a multi-scale D: the sum of each scale's loss. */
export function multiscaleGanLoss(mode: GanMode) {
  const gan = ganLoss(mode);
  return (predictions: tf.Tensor[], real: boolean): tf.Scalar =>
    tf.tidy(() => tf.addN(predictions.map((p) => gan(p, real))) as tf.Scalar);
}

/** z = μ + ε·exp(½ log σ²), ε drawn by the caller (the step's stream). */
export function reparameterize({ mu, logvar }: LatentPosterior, eps: tf.Tensor2D): tf.Tensor2D {
  return tf.add(mu, tf.mul(eps, tf.exp(tf.mul(logvar, 0.5)))) as tf.Tensor2D;
}

/** KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ (1 + log σ² − μ² − σ²), summed over batch and z (the reference's). */
export function klDivergence({ mu, logvar }: LatentPosterior): tf.Scalar {
  return tf.tidy(
    () =>
      tf.mul(
        -0.5,
        tf.sum(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar)))),
      ) as tf.Scalar,
  );
}

/** The z loss: mean |μ(E(G(A, z))) − z|. */
export function latentL1(mu: tf.Tensor2D, z: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.abs(tf.sub(mu, z))) as tf.Scalar;
}
