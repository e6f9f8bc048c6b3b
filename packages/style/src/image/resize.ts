import { ArgumentError, describe, tf } from '@atelier/core';

/**
 * The size [h, w] whose longer side is `maxSide`, keeping the aspect ratio (as
 * neural-style's -image_size and fast_neural_style's --content-scale do).
 */
export function fitSize(height: number, width: number, maxSide: number): [number, number] {
  if (!Number.isInteger(maxSide) || maxSide < 1) {
    throw new ArgumentError(`size must be a positive integer, got ${describe(maxSide)}`);
  }
  const s = maxSide / Math.max(height, width);
  return [Math.max(1, Math.round(height * s)), Math.max(1, Math.round(width * s))];
}

/**
 * Resizes NHWC images to [h, w]: bilinear with half-pixel centres, after halving by 2×2
 * averages while the image is at least twice too large, so that shrinking averages
 * every pixel rather than sampling a few (no aliasing). Differentiable.
 */
export function resizeImage(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  const [h, w] = size;
  return tf.tidy(() => {
    let y = x;
    while (y.shape[1] >= 2 * h && y.shape[2] >= 2 * w) {
      const [, yh, yw] = y.shape;
      if (yh % 2 === 0 && yw % 2 === 0) y = tf.avgPool(y, 2, 2, 'valid');
      else y = tf.image.resizeBilinear(y, [Math.ceil(yh / 2), Math.ceil(yw / 2)], false, true);
    }
    if (y.shape[1] === h && y.shape[2] === w) return y === x ? tf.clone(x) : y;
    return tf.image.resizeBilinear(y, [h, w], false, true);
  });
}

/** A mask [1, H, W, 1] brought to a feature map's [h, w] (area average when shrinking). */
export function resizeMask(mask: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [, mh, mw] = mask.shape;
    const [h, w] = size;
    if (mh === h && mw === w) return tf.clone(mask);
    if (mh % h === 0 && mw % w === 0) {
      return tf.avgPool(mask, [mh / h, mw / w], [mh / h, mw / w], 'valid') as tf.Tensor4D;
    }
    return resizeImage(mask, size);
  });
}
