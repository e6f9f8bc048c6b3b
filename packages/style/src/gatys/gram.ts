import { tf } from '@atelier/core';
import { type GramNormalization, gramMatrix } from '@atelier/losses';

/** Gram matrices [N, C, C]: @atelier/losses' gramMatrix (the fast one, its gradient in closed form). */
export function gram(features: tf.Tensor4D, normalize: GramNormalization): tf.Tensor3D {
  return gramMatrix(features, { normalize });
}

/**
 * The guided Gram matrix of one guide [1, H, W, 1] (Gatys et al. 2017, spatial
 * control), with @atelier/losses' guidedGram normalisation (the pixel count replaced by
 * the guide's energy Σ m², so a region's statistics do not depend on its size); [N, C, C].
 * Unlike guidedGram it reads nothing back to check the guide's sign: the optimisation
 * loop calls it every iteration with guides checked once before.
 */
export function guidedGramOne(
  features: tf.Tensor4D,
  guide: tf.Tensor4D,
  normalize: GramNormalization,
): tf.Tensor3D {
  return tf.tidy(() => {
    const c = features.shape[3];
    const g = gramMatrix(tf.mul(features, guide), { normalize: 'none' });
    if (normalize === 'none') return g;
    const energy = tf.sum(tf.square(guide));
    const divisor = normalize === 'chw' ? tf.mul(energy, c) : energy;
    // An empty region has a zero Gram matrix, not NaN.
    return tf.div(g, tf.maximum(divisor, 1e-12)) as tf.Tensor3D;
  });
}
