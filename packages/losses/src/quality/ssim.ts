import { tf } from '@atelier/core';
import { reduce, reductionArg } from '../reduction.js';
import { optionsArg } from '../validate.js';
import { imagePair } from './images.js';
import { ssimTerms } from './ssim-maps.js';
import { checkWindowFits, type SsimOptions, ssimConstants } from './ssim-options.js';

export type { SsimOptions } from './ssim-options.js';

/**
 * The mean structural similarity of each image pair [N, H, W, C], matching
 * scikit-image's structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=dataRange, channel_axis=-1): Gaussian-weighted
 * local statistics, averaged over the pixels at least a window radius from the border
 * (skimage's crop) and over channels. Differentiable; 1 - ssim is a loss (ssimLoss).
 */
export function ssim(a: tf.Tensor, b: tf.Tensor, options: SsimOptions): tf.Tensor {
  const fn = 'ssim';
  const o = optionsArg(fn, options);
  const [x, y] = imagePair(fn, a, b);
  const k = ssimConstants(fn, o);
  checkWindowFits(fn, x.shape, k.sigma);
  const reduction = reductionArg(fn, o.reduction);
  return tf.tidy(() => reduce(tf.mean(ssimTerms(x, y, k).ssim, 1), reduction));
}

/** 1 - ssim(a, b): a loss, 0 for identical images. */
export function ssimLoss(a: tf.Tensor, b: tf.Tensor, options: SsimOptions): tf.Tensor {
  const o = optionsArg('ssimLoss', options);
  const reduction = reductionArg('ssimLoss', o.reduction);
  return tf.tidy(() => reduce(tf.sub(1, ssim(a, b, { ...o, reduction: 'none' })), reduction));
}
