import { tf } from '@atelier/core';
import { gaussianWindow } from './gaussian-window.js';

export interface SsimConstants {
  dataRange: number;
  sigma: number;
  k1: number;
  k2: number;
}

/**
 * Per image and channel [N, C]: the mean SSIM and the mean contrast-structure term
 * (2σxy + C2) / (σx² + σy² + C2), over the pixels whose whole window lies inside the
 * image. scikit-image filters with mirrored borders and then crops the window radius
 * from every side before averaging, which leaves exactly these pixels, so a 'valid'
 * convolution computes the same numbers without padding. Population (co)variances
 * (use_sample_covariance=False), C1 = (k1·R)², C2 = (k2·R)².
 */
export function ssimTerms(
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  k: SsimConstants,
): { ssim: tf.Tensor2D; cs: tf.Tensor2D } {
  const [n, h, w, c] = x.shape;
  const window = gaussianWindow(k.sigma);
  const taps = window.length;
  const c1 = (k.k1 * k.dataRange) ** 2;
  const c2 = (k.k2 * k.dataRange) ** 2;
  return tf.tidy(() => {
    // Every channel of every image as its own single-channel map: [N·C, H, W, 1].
    const planes = (t: tf.Tensor) =>
      tf.reshape(tf.transpose(t, [0, 3, 1, 2]), [n * c, h, w, 1]) as tf.Tensor4D;
    const px = planes(x);
    const py = planes(y);
    // The five local moments in one pass of the separable filter.
    const stacked = tf.concat([px, py, tf.mul(px, px), tf.mul(py, py), tf.mul(px, py)], 0);
    const kx = tf.tensor4d(window, [1, taps, 1, 1]);
    const ky = tf.tensor4d(window, [taps, 1, 1, 1]);
    const filtered = tf.conv2d(tf.conv2d(stacked as tf.Tensor4D, kx, 1, 'valid'), ky, 1, 'valid');
    const [ux, uy, uxx, uyy, uxy] = tf.split(filtered, 5, 0) as tf.Tensor4D[];
    const vx = tf.sub(uxx!, tf.square(ux!));
    const vy = tf.sub(uyy!, tf.square(uy!));
    const vxy = tf.sub(uxy!, tf.mul(ux!, uy!));
    const cs = tf.div(tf.add(tf.mul(vxy, 2), c2), tf.add(tf.add(vx, vy), c2));
    const luminance = tf.div(
      tf.add(tf.mul(tf.mul(ux!, uy!), 2), c1),
      tf.add(tf.add(tf.square(ux!), tf.square(uy!)), c1),
    );
    const ssim = tf.mul(luminance, cs);
    const perPlane = (t: tf.Tensor) => tf.reshape(tf.mean(t, [1, 2, 3]), [n, c]) as tf.Tensor2D;
    return { ssim: perPlane(ssim), cs: perPlane(cs) };
  });
}

/** The window's side: images need H, W at least this. */
export function windowSize(sigma: number): number {
  return gaussianWindow(sigma).length;
}
