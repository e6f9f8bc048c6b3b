import { tf } from '@atelier/core';
import { type ColorSpace, combineLuminance, luminance } from './color-spaces.js';
import { type LuminanceMatchMode, matchChannel } from './match-luminance.js';

/**
 * Luminance-only transfer (Gatys et al., CVPR 2017, 5.1), before the optimisation:
 * the content becomes its luminance Y, and each style image its luminance matched to the
 * content's (mean and variance, or the whole histogram), both as grey RGB images so the
 * feature network reads them as it reads colour. After the optimisation,
 * `restoreChrominance` puts the content's chrominance back under the output's Y.
 * Images [1, H, W, 3], any value range; the results are new tensors.
 */
export function greyRgb(y: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.tile(y, [1, 1, 1, 3]) as tf.Tensor4D);
}

export async function luminanceOnly(
  content: tf.Tensor4D,
  styles: tf.Tensor4D[],
  mode: LuminanceMatchMode,
): Promise<{ content: tf.Tensor4D; styles: tf.Tensor4D[] }> {
  const contentY = tf.tidy(() => luminance(content) as tf.Tensor4D);
  try {
    const target = (await contentY.data()) as Float32Array;
    const out: tf.Tensor4D[] = [];
    for (const style of styles) {
      const y = tf.tidy(() => luminance(style));
      const source = (await y.data()) as Float32Array;
      const shape = y.shape as [number, number, number, number];
      y.dispose();
      const matched = matchChannel(source, target, mode);
      out.push(tf.tidy(() => greyRgb(tf.tensor4d(matched, shape))));
    }
    return { content: greyRgb(contentY), styles: out };
  } finally {
    contentY.dispose();
  }
}

/** The output's luminance with `colors`' chrominance (both [1, H, W, 3], same size). */
export function restoreChrominance(
  output: tf.Tensor4D,
  colors: tf.Tensor4D,
  space: ColorSpace = 'yiq',
): tf.Tensor4D {
  return combineLuminance(output, colors, space) as tf.Tensor4D;
}
