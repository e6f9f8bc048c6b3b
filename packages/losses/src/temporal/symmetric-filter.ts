import { tf } from '@atelier/core';

/**
 * Filtering of single-channel maps [N, H, W, 1] by a 1-D kernel (a correlation) along
 * one axis (1: y, 2: x), mirroring the border with the edge sample repeated
 * (…, b, a | a, b, …), as Brox's CFilter.h (artistic-videos' consistency checker) and
 * scipy.ndimage's mode 'reflect' do.
 */
export function filterAxis(maps: tf.Tensor4D, kernel: number[], axis: 1 | 2): tf.Tensor4D {
  const r = (kernel.length - 1) / 2;
  return tf.tidy(() => {
    const shape: [number, number, number, number] =
      axis === 2 ? [1, kernel.length, 1, 1] : [kernel.length, 1, 1, 1];
    return tf.conv2d(mirror(maps, axis, r), tf.tensor4d(kernel, shape), 1, 'valid');
  });
}

/** The same kernel along x, then along y. */
export function filterSymmetric(maps: tf.Tensor4D, kernel: number[]): tf.Tensor4D {
  return tf.tidy(() => filterAxis(filterAxis(maps, kernel, 2), kernel, 1));
}

/** Pads `r` samples on both sides of `axis`, repeating them in mirror order. */
function mirror(x: tf.Tensor4D, axis: 1 | 2, r: number): tf.Tensor4D {
  const size = x.shape[axis];
  // An index list works for any r, also one wider than the image (it bounces back and forth).
  const index = (i: number): number => {
    const period = 2 * size;
    const m = ((i % period) + period) % period;
    return m < size ? m : period - 1 - m;
  };
  const indices = Array.from({ length: size + 2 * r }, (_, i) => index(i - r));
  return tf.tidy(() => tf.gather(x, tf.tensor1d(indices, 'int32'), axis) as tf.Tensor4D);
}
