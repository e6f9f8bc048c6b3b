import { ShapeError, tf } from '@atelier/core';
import { imageArg, optionsArg, valuesIn } from '../validate.js';
import { type GramNormalization, gramNormalizationArg, gramProduct } from './gram.js';

export interface GuidedGramOptions {
  /**
   * As gramMatrix, with the pixel count replaced by the guide's energy Σ m²:
   * 'chw' divides by C·Σ m², 'hw' by Σ m², so a guide of ones gives gramMatrix exactly
   * and a region's statistics do not depend on its size.
   */
  normalize?: GramNormalization;
}

/**
 * Guided Gram matrices for spatial control (Gatys et al., "Controlling Perceptual
 * Factors in Neural Style Transfer"): one Gram matrix per guidance channel r of
 * (F ⊙ m_r)ᵀ (F ⊙ m_r), from features [N, H, W, C] and guides [N or 1, H, W, R] at the
 * features' resolution (resize the masks per layer first), values in [0, 1].
 * Returns [N, R, C, C]. A guide with no energy gives zeros, not NaN.
 */
export function guidedGram(
  features: tf.Tensor,
  guides: tf.Tensor,
  options?: GuidedGramOptions,
): tf.Tensor4D {
  const fn = 'guidedGram';
  const o = optionsArg(fn, options);
  const f = imageArg(fn, 'features', features);
  const m = imageArg(fn, 'guides', guides);
  const [n, h, w, c] = f.shape;
  const [mn, mh, mw, r] = m.shape;
  if (mh !== h || mw !== w || (mn !== n && mn !== 1)) {
    throw new ShapeError(
      `${fn}: guides must be [${n} or 1, ${h}, ${w}, R] (the features' batch and resolution; resize masks per layer), got [${m.shape.join(', ')}]`,
    );
  }
  valuesIn(fn, 'guides', m, { min: 0 }, '>= 0');
  const normalize = gramNormalizationArg(fn, o.normalize);
  return tf.tidy(() => {
    // [N, R, HW, C]: every feature map weighted by every guide.
    const fr = tf.reshape(f, [n, 1, h * w, c]);
    const mr = tf.reshape(tf.transpose(tf.reshape(m, [mn, h * w, r]), [0, 2, 1]), [
      mn,
      r,
      h * w,
      1,
    ]);
    const weighted = tf.mul(fr, mr);
    const gram = tf.reshape(gramProduct(tf.reshape(weighted, [n * r, h, w, c]) as tf.Tensor4D), [
      n,
      r,
      c,
      c,
    ]);
    if (normalize === 'none') return gram as tf.Tensor4D;
    const energy = tf.sum(tf.square(mr), [2, 3], true); // [N or 1, R, 1, 1]
    const divisor = normalize === 'chw' ? tf.mul(energy, c) : energy;
    // A region without energy has a zero Gram matrix: divide by 1 there instead of 0.
    const safe = tf.where(tf.greater(divisor, 0), divisor, tf.onesLike(divisor));
    return tf.div(gram, safe) as tf.Tensor4D;
  });
}
