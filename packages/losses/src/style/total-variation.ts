import { ShapeError, tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import { finiteNumber, imageArg, oneOf, optionsArg } from '../validate.js';

/**
 * - 'anisotropic': Σ |x[i+1, j] - x[i, j]| + Σ |x[i, j+1] - x[i, j]| over all pixels
 *   and channels, as tf.image.total_variation;
 * - 'isotropic': Σ sqrt(Δy² + Δx² + ε) over the (H-1)×(W-1) pixels that have both
 *   forward differences (Rudin-Osher-Fatemi);
 * - 'squared': Σ Δy² + Σ Δx² (the smoothness prior of jcjohnson/neural-style, whose
 *   TVLoss is half this over the top-left (H-1)×(W-1) pixels).
 */
export type TotalVariationKind = 'anisotropic' | 'isotropic' | 'squared';

export interface TotalVariationOptions {
  kind?: TotalVariationKind;
  /**
   * Over the batch: 'mean' (default) of the per-image totals, their 'sum', or 'none'
   * for the totals [N]. Each image's total is a sum, not a mean, over its pixels.
   */
  reduction?: Reduction;
  /** 'isotropic' only: ε under the square root, keeping the gradient finite at flat
   * regions (default 1e-8). */
  epsilon?: number;
}

/**
 * Total variation of NHWC images [N, H, W, C] (H, W >= 2); see TotalVariationKind.
 *
 * @example
 * const tv = totalVariation(images, { kind: 'squared' }); // mean over the batch of per-image totals
 */
export function totalVariation(images: tf.Tensor, options?: TotalVariationOptions): tf.Tensor {
  const fn = 'totalVariation';
  const o = optionsArg(fn, options);
  const x = imageArg(fn, 'images', images);
  const [n, h, w, c] = x.shape;
  if (h < 2 || w < 2) {
    throw new ShapeError(
      `${fn}: images need H, W >= 2 to have differences, got [${x.shape.join(', ')}]`,
    );
  }
  const kind = oneOf(fn, 'kind', o.kind ?? 'anisotropic', ['anisotropic', 'isotropic', 'squared']);
  const reduction = reductionArg(fn, o.reduction);
  const epsilon = finiteNumber(fn, 'epsilon', o.epsilon ?? 1e-8, { min: 0 });
  return tf.tidy(() => {
    const dy = tf.sub(
      tf.slice(x, [0, 1, 0, 0], [n, h - 1, w, c]),
      tf.slice(x, [0, 0, 0, 0], [n, h - 1, w, c]),
    );
    const dx = tf.sub(
      tf.slice(x, [0, 0, 1, 0], [n, h, w - 1, c]),
      tf.slice(x, [0, 0, 0, 0], [n, h, w - 1, c]),
    );
    let perImage: tf.Tensor;
    if (kind === 'isotropic') {
      const dyc = tf.slice(dy, [0, 0, 0, 0], [n, h - 1, w - 1, c]);
      const dxc = tf.slice(dx, [0, 0, 0, 0], [n, h - 1, w - 1, c]);
      perImage = tf.sum(
        tf.sqrt(tf.add(tf.add(tf.square(dyc), tf.square(dxc)), epsilon)),
        [1, 2, 3],
      );
    } else {
      const f = kind === 'anisotropic' ? tf.abs : tf.square;
      perImage = tf.add(tf.sum(f(dy), [1, 2, 3]), tf.sum(f(dx), [1, 2, 3]));
    }
    return reduce(perImage, reduction);
  });
}
