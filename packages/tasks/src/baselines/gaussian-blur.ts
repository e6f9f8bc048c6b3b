import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

/**
 * A Gaussian blur of images [N, H, W, C] with standard deviation `sigma` pixels: a
 * separable kernel of radius ceil(3σ), normalised, each channel apart, borders
 * reflected (no darkening at the edges). The classic first try against noise.
 */
export function gaussianBlur(images: tf.Tensor4D, sigma: number): tf.Tensor4D {
  if (!(images instanceof tf.Tensor) || images.rank !== 4)
    throw new ShapeError(`gaussianBlur: expected images [N, H, W, C], got ${describe(images)}`);
  if (typeof sigma !== 'number' || !(sigma > 0) || !Number.isFinite(sigma))
    throw new ArgumentError(
      `gaussianBlur: sigma must be a positive number, got ${describe(sigma)}`,
    );
  const [, h, w, c] = images.shape;
  const radius = Math.min(Math.ceil(3 * sigma), h - 1, w - 1);
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)),
  );
  const total = taps.reduce((a, b) => a + b, 0);
  const kernel = taps.map((t) => t / total);
  return tf.tidy(() => {
    const k = tf.tensor1d(kernel);
    const horizontal = tf.tile(tf.reshape(k, [1, 2 * radius + 1, 1, 1]), [
      1,
      1,
      c,
      1,
    ]) as tf.Tensor4D;
    const vertical = tf.tile(tf.reshape(k, [2 * radius + 1, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const padded = tf.mirrorPad(
      images,
      [
        [0, 0],
        [radius, radius],
        [radius, radius],
        [0, 0],
      ],
      'reflect',
    );
    const rows = tf.depthwiseConv2d(padded, horizontal, 1, 'valid');
    return tf.depthwiseConv2d(rows, vertical, 1, 'valid') as tf.Tensor4D;
  });
}

/** The blur widths `tuneGaussianBlur` tries by default, in pixels. */
export const BLUR_SIGMAS = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.2, 1.4, 1.7, 2, 2.5, 3] as const;

/**
 * The blur width that gives the best mean PSNR against `clean` over `noisy` (training
 * images, [0, 1]): the baseline tuned as a practitioner would, on the training set.
 */
export function tuneGaussianBlur(
  noisy: tf.Tensor4D,
  clean: tf.Tensor4D,
  sigmas: readonly number[] = BLUR_SIGMAS,
): { sigma: number; psnr: number } {
  let best = { sigma: sigmas[0]!, psnr: -Infinity };
  for (const sigma of sigmas) {
    const value = tf.tidy(() => {
      const mse = tf.mean(
        tf.squaredDifference(tf.clipByValue(gaussianBlur(noisy, sigma), 0, 1), clean),
        [1, 2, 3],
      );
      return tf.mean(tf.mul(-10 / Math.LN10, tf.log(mse))).dataSync()[0]!;
    });
    if (value > best.psnr) best = { sigma, psnr: value };
  }
  return best;
}
