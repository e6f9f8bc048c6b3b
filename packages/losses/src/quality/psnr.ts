import { tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import { optionsArg } from '../validate.js';
import { dataRangeArg, imagePair } from './images.js';

export interface PsnrOptions {
  /** max - min of the images' format (required): 1 for [0, 1], 2 for [-1, 1], 255. */
  dataRange: number;
  /** Over the batch: 'mean' (default) of the per-image PSNRs, 'sum', or 'none' [N]. */
  reduction?: Reduction;
}

/**
 * Peak signal-to-noise ratio in dB per image, 10·log10(dataRange² / MSE) with the MSE
 * over H, W and C, as scikit-image's peak_signal_noise_ratio; identical images give
 * Infinity. Higher is better (negate it to use it as a loss).
 */
export function psnr(a: tf.Tensor, b: tf.Tensor, options: PsnrOptions): tf.Tensor {
  const fn = 'psnr';
  const o = optionsArg(fn, options);
  const [x, y] = imagePair(fn, a, b);
  const range = dataRangeArg(fn, o.dataRange);
  const reduction = reductionArg(fn, o.reduction);
  return tf.tidy(() => {
    const mse = tf.mean(tf.squaredDifference(x, y), [1, 2, 3]);
    const db = tf.mul(10 / Math.LN10, tf.log(tf.div(range * range, mse)));
    return reduce(db, reduction);
  });
}
