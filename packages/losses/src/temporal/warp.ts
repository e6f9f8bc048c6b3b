import { ShapeError, tf } from '@atelier/core';
import { imageArg, oneOf, optionsArg, tensorArg } from '../validate.js';
import { sampleBilinear, type WarpPadding } from './bilinear.js';

export interface WarpOptions {
  /** What is read where p + flow(p) leaves the image; 'border' (default) or 'zeros'. */
  padding?: WarpPadding;
}

/**
 * Backward warping: out(p) = image(p + flow(p)), bilinear, for images [N, H, W, C] and
 * flows [N, H, W, 2] in pixels, channel 0 the horizontal displacement u (towards +x,
 * right) and channel 1 the vertical v (towards +y, down), as Middlebury .flo files and
 * artistic-videos store them. To bring the previous frame to the current one, pass the
 * backward flow (current → previous).
 *
 * Equals PyTorch's grid_sample(image, grid, mode='bilinear', align_corners=True,
 * padding_mode=padding) with grid = 2·(p + flow)/(size - 1) - 1: pixel centres sit at
 * integer positions, 0 … W - 1. 'border' clamps the sample position into the image
 * (edge pixels repeat); 'zeros' treats the outside as 0. Differentiable with respect
 * to the image and the flow (first order).
 */
export function warp(image: tf.Tensor, flow: tf.Tensor, options?: WarpOptions): tf.Tensor4D {
  const fn = 'warp';
  const o = optionsArg(fn, options);
  const img = imageArg(fn, 'image', image);
  const fl = flowArg(fn, 'flow', flow, img.shape);
  const padding = oneOf(fn, 'padding', o.padding ?? 'border', ['border', 'zeros']);
  const [n, h, w] = img.shape;
  return tf.tidy(() => {
    const [u, v] = tf.unstack(fl, 3);
    const gx = tf.reshape(tf.range(0, w, 1, 'float32'), [1, 1, w]);
    const gy = tf.reshape(tf.range(0, h, 1, 'float32'), [1, h, 1]);
    const x = tf.add(tf.broadcastTo(gx, [n, h, w]), u!);
    const y = tf.add(tf.broadcastTo(gy, [n, h, w]), v!);
    return sampleBilinear(img, x, y, padding);
  });
}

/** A flow field [N, H, W, 2]; with `imageShape`, matching that batch's N, H and W. */
export function flowArg(
  fn: string,
  name: string,
  value: unknown,
  imageShape?: readonly number[],
): tf.Tensor4D {
  const f = tensorArg(fn, name, value, { rank: 4, layout: 'of shape [N, H, W, 2]' });
  const [n, h, w] = imageShape ?? f.shape;
  if (f.shape[0] !== n || f.shape[1] !== h || f.shape[2] !== w || f.shape[3] !== 2) {
    throw new ShapeError(
      `${fn}: ${name} must be [${n}, ${h}, ${w}, 2] (u, v per pixel${imageShape ? ' of the image' : ''}), got [${f.shape.join(', ')}]`,
    );
  }
  return f as tf.Tensor4D;
}
