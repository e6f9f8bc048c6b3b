import { ArgumentError, describe, tf } from '@atelier/core';
import { reduce, reductionArg } from '../reduction.js';
import { finiteNumber, optionsArg } from '../validate.js';
import { imagePair } from './images.js';
import { ssimTerms } from './ssim-maps.js';
import { checkWindowFits, type SsimOptions, ssimConstants } from './ssim-options.js';

/** Wang, Simoncelli & Bovik (2003)'s five scale weights, also TF's ssim_multiscale's. */
export const MS_SSIM_WEIGHTS: readonly number[] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

export interface MsSsimOptions extends SsimOptions {
  /** One exponent per scale, finest first (default MS_SSIM_WEIGHTS: five scales, so
   * images of at least 11·2⁴ = 176 pixels a side at σ = 1.5). Fewer weights, fewer scales. */
  weights?: readonly number[];
}

/**
 * Multi-scale SSIM per image: Π_{j<M} cs_j^{w_j} · ssim_M^{w_M}, where cs_j is the mean
 * contrast-structure term at scale j and ssim_M the full SSIM at the coarsest, each per
 * channel with the window and cropping of `ssim`, clamped at 0 (as TF does, so the
 * powers stay real), then averaged over channels. Between scales the images are
 * averaged over 2×2 blocks, an odd last row or column repeated first, as TF's
 * ssim_multiscale downsamples.
 */
export function msSsim(a: tf.Tensor, b: tf.Tensor, options: MsSsimOptions): tf.Tensor {
  const fn = 'msSsim';
  const o = optionsArg(fn, options);
  const [x, y] = imagePair(fn, a, b);
  const k = ssimConstants(fn, o);
  const weights = weightsArg(fn, o.weights);
  const reduction = reductionArg(fn, o.reduction);
  let [h, w] = [x.shape[1], x.shape[2]];
  for (let j = 0; j < weights.length; j++) {
    checkWindowFits(
      fn,
      [x.shape[0], h, w],
      k.sigma,
      `images at scale ${j + 1} of ${weights.length}`,
    );
    h = Math.ceil(h / 2);
    w = Math.ceil(w / 2);
  }
  return tf.tidy(() => {
    let cx: tf.Tensor4D = x;
    let cy: tf.Tensor4D = y;
    let product: tf.Tensor | undefined;
    weights.forEach((weight, j) => {
      const last = j === weights.length - 1;
      const terms = ssimTerms(cx, cy, k);
      const value = tf.pow(tf.relu(last ? terms.ssim : terms.cs), weight);
      product = product ? tf.mul(product, value) : value;
      if (!last) {
        cx = halve(cx);
        cy = halve(cy);
      }
    });
    return reduce(tf.mean(product!, 1), reduction);
  });
}

/** 1 - msSsim(a, b): a loss, 0 for identical images. */
export function msSsimLoss(a: tf.Tensor, b: tf.Tensor, options: MsSsimOptions): tf.Tensor {
  const o = optionsArg('msSsimLoss', options);
  const reduction = reductionArg('msSsimLoss', o.reduction);
  return tf.tidy(() => reduce(tf.sub(1, msSsim(a, b, { ...o, reduction: 'none' })), reduction));
}

/** 2×2 block means, an odd last row / column repeated first. */
function halve(t: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  let padded: tf.Tensor4D = t;
  if (h % 2 === 1)
    padded = tf.concat([padded, tf.slice(padded, [0, h - 1, 0, 0], [n, 1, w, c])], 1);
  if (w % 2 === 1) {
    const hp = padded.shape[1];
    padded = tf.concat([padded, tf.slice(padded, [0, 0, w - 1, 0], [n, hp, 1, c])], 2);
  }
  return tf.avgPool(padded, 2, 2, 'valid');
}

function weightsArg(fn: string, value: unknown): number[] {
  if (value === undefined) return [...MS_SSIM_WEIGHTS];
  if (!Array.isArray(value) || value.length === 0) {
    throw new ArgumentError(
      `${fn}: weights must be a non-empty array of numbers, got ${describe(value)}`,
    );
  }
  return value.map((v, i) => finiteNumber(fn, `weights[${i}]`, v, { min: 0 }));
}
