import { tf } from '@atelier/core';
import { gatherRows } from './gather-rows.js';

/**
 * How samples outside the image are read: 'border' clamps the sample position to the
 * image (PyTorch grid_sample's padding_mode='border'); 'zeros' reads 0 outside, so
 * bilinear weights fade to 0 within one pixel of the edge (padding_mode='zeros').
 */
export type WarpPadding = 'border' | 'zeros';

/**
 * Bilinear samples of images [N, H, W, C] at pixel positions (x, y), each [N, h, w]
 * (pixel centres at integers: 0 is the first pixel's centre, W - 1 the last's, as
 * grid_sample with align_corners=True). Differentiable with respect to the image and
 * to x and y (through the bilinear weights; zero where 'border' clamps).
 */
export function sampleBilinear(
  images: tf.Tensor4D,
  x: tf.Tensor,
  y: tf.Tensor,
  padding: WarpPadding,
): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  const [, oh, ow] = x.shape as [number, number, number];
  return tf.tidy(() => {
    let px = x;
    let py = y;
    if (padding === 'border') {
      px = tf.clipByValue(px, 0, w - 1);
      py = tf.clipByValue(py, 0, h - 1);
    }
    const x0 = tf.floor(px);
    const y0 = tf.floor(py);
    const fx = tf.sub(px, x0);
    const fy = tf.sub(py, y0);
    const batchBase = tf.reshape(tf.mul(tf.range(0, n, 1, 'float32'), h * w), [n, 1, 1]);
    const flat = tf.reshape(images, [n * h * w, c]) as tf.Tensor2D;

    const corner = (dx: 0 | 1, dy: 0 | 1): tf.Tensor => {
      const cx = dx === 0 ? x0 : tf.add(x0, 1);
      const cy = dy === 0 ? y0 : tf.add(y0, 1);
      const wx = dx === 0 ? tf.sub(1, fx) : fx;
      const wy = dy === 0 ? tf.sub(1, fy) : fy;
      let weight = tf.mul(wx, wy);
      if (padding === 'zeros') {
        const inside = tf.logicalAnd(
          tf.logicalAnd(tf.greaterEqual(cx, 0), tf.lessEqual(cx, w - 1)),
          tf.logicalAnd(tf.greaterEqual(cy, 0), tf.lessEqual(cy, h - 1)),
        );
        weight = tf.where(inside, weight, tf.zerosLike(weight));
      }
      // Clamped indices keep the gather in range; their weight is 0 where clamping moved them.
      const ix = tf.clipByValue(cx, 0, w - 1);
      const iy = tf.clipByValue(cy, 0, h - 1);
      const index = tf.cast(tf.add(batchBase, tf.add(tf.mul(iy, w), ix)), 'int32');
      const values = gatherRows(flat, tf.reshape(index, [-1]) as tf.Tensor1D);
      return tf.mul(tf.reshape(values, [n, oh, ow, c]), tf.expandDims(weight, 3));
    };
    return tf.addN([corner(0, 0), corner(1, 0), corner(0, 1), corner(1, 1)]) as tf.Tensor4D;
  });
}
