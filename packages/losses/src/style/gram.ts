import { tf } from '@atelier/core';
import { imageArg, oneOf, optionsArg } from '../validate.js';

/**
 * What a Gram matrix FᵀF (F the [H·W, C] feature matrix of one sample) is divided by:
 * - 'chw' (default): C·H·W, as Johnson et al.'s fast style transfer
 *   (pytorch/examples `gram_matrix`) and jcjohnson/neural-style do;
 * - 'hw': H·W, as Gatys' own PyTorch notebook (which then weighs layers by 1/C²);
 * - 'none': the raw inner products (Gatys et al.'s paper writes the 1/(4N²M²) in its
 *   loss instead).
 */
export type GramNormalization = 'chw' | 'hw' | 'none';

export const GRAM_NORMALIZATIONS: readonly GramNormalization[] = ['chw', 'hw', 'none'];

export interface GramOptions {
  normalize?: GramNormalization;
}

export function gramNormalizationArg(fn: string, value: unknown): GramNormalization {
  return oneOf(fn, 'normalize', value ?? 'chw', GRAM_NORMALIZATIONS);
}

/** Gram matrices [N, C, C] of NHWC features [N, H, W, C]; see GramNormalization. */
export function gramMatrix(features: tf.Tensor, options?: GramOptions): tf.Tensor3D {
  const o = optionsArg('gramMatrix', options);
  const f = imageArg('gramMatrix', 'features', features);
  const normalize = gramNormalizationArg('gramMatrix', o.normalize);
  const [n, h, w, c] = f.shape;
  const divisor = normalize === 'chw' ? c * h * w : normalize === 'hw' ? h * w : 1;
  return tf.tidy(() => {
    const flat = tf.reshape(f, [n, h * w, c]);
    const gram = tf.matMul(flat, flat, true, false);
    return (divisor === 1 ? gram : tf.div(gram, divisor)) as tf.Tensor3D;
  });
}
