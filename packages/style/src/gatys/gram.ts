import { tf } from '@atelier/core';
import type { GramNormalization } from '@atelier/losses';

/**
 * FᵀF for features [N, H, W, C] as [N, C, C], written for speed: tfjs's matMul with a
 * transposed operand runs ~10× slower on wasm than an explicit transpose followed by a
 * plain product (measured: 4.4 s against 0.3 s for 6912×384 features), and its gradient
 * would use those slow products. So the forward pass transposes first, and the gradient
 * is the closed form dF = F (dG + dGᵀ), one plain product. Same values as
 * @atelier/losses' gramMatrix with normalize 'none' (checked in the tests).
 */
const rawGram = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const f = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const [n, h, w, c] = f.shape as [number, number, number, number];
  const flat = tf.reshape(f, [n, h * w, c]);
  save([flat]);
  const value = tf.matMul(tf.transpose(flat, [0, 2, 1]), flat);
  return {
    value,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const x = saved[0] as tf.Tensor3D;
      const d = dy as tf.Tensor;
      const sym = tf.add(d, tf.transpose(d, [0, 2, 1])) as tf.Tensor3D;
      return tf.reshape(tf.matMul(x, sym), [n, h, w, c]);
    },
  };
});

/** Gram matrices [N, C, C] with the normalisation of @atelier/losses' gramMatrix. */
export function gram(features: tf.Tensor4D, normalize: GramNormalization): tf.Tensor3D {
  return tf.tidy(() => {
    const [, h, w, c] = features.shape;
    const g = rawGram(features) as tf.Tensor3D;
    const divisor = normalize === 'chw' ? c * h * w : normalize === 'hw' ? h * w : 1;
    return (divisor === 1 ? g : tf.div(g, divisor)) as tf.Tensor3D;
  });
}

/**
 * The guided Gram matrix of one guide [1, H, W, 1] (Gatys et al. 2017, spatial
 * control), with @atelier/losses' guidedGram normalisation (the pixel count replaced by
 * the guide's energy Σ m², so a region's statistics do not depend on its size); [N, C, C].
 */
export function guidedGramOne(
  features: tf.Tensor4D,
  guide: tf.Tensor4D,
  normalize: GramNormalization,
): tf.Tensor3D {
  return tf.tidy(() => {
    const c = features.shape[3];
    const g = rawGram(tf.mul(features, guide)) as tf.Tensor3D;
    if (normalize === 'none') return g;
    const energy = tf.sum(tf.square(guide));
    const divisor = normalize === 'chw' ? tf.mul(energy, c) : energy;
    // An empty region has a zero Gram matrix, not NaN.
    return tf.div(g, tf.maximum(divisor, 1e-12)) as tf.Tensor3D;
  });
}
