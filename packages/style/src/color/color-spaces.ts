import { tf } from '@atelier/core';
import { inverse3, type Mat3 } from './matrix3.js';

/**
 * Luminance-chrominance spaces for colour control: the luminance row of both is
 * BT.601's Y = .299 R + .587 G + .114 B, as Gatys et al. ("Controlling Perceptual
 * Factors in Neural Style Transfer") and neural-style's -original_colors use.
 * - 'yiq': NTSC YIQ (I, Q rows of the FCC definition);
 * - 'yuv': BT.601 YUV (U = .492 (B - Y), V = .877 (R - Y)).
 * Linear, so they work on any value range; the inverses are the exact matrix inverses.
 */
export const COLOR_SPACES = ['yiq', 'yuv'] as const;
export type ColorSpace = (typeof COLOR_SPACES)[number];

const RGB_TO: Record<ColorSpace, Mat3> = {
  yiq: [0.299, 0.587, 0.114, 0.595716, -0.274453, -0.321263, 0.211456, -0.522591, 0.311135],
  yuv: [0.299, 0.587, 0.114, -0.14713, -0.28886, 0.436, 0.615, -0.51499, -0.10001],
};

export function rgbToMatrix(space: ColorSpace): Mat3 {
  return [...RGB_TO[space]];
}

export function matrixToRgb(space: ColorSpace): Mat3 {
  return inverse3(RGB_TO[space]);
}

/** Applies a 3×3 colour matrix to the last axis: out_i = Σ_j m[i][j] x_j. */
export function applyColorMatrix(x: tf.Tensor, m: Mat3): tf.Tensor {
  return tf.tidy(() => {
    const shape = x.shape;
    const flat = tf.reshape(x, [-1, 3]);
    // x · mᵀ on rows of pixels.
    const mt = tf.transpose(tf.tensor2d(m, [3, 3]));
    return tf.reshape(tf.matMul(flat, mt), shape);
  });
}

/** RGB to Y + two chroma channels (differentiable). */
export function rgbToLumaChroma(x: tf.Tensor, space: ColorSpace = 'yiq'): tf.Tensor {
  return applyColorMatrix(x, RGB_TO[space]);
}

export function lumaChromaToRgb(x: tf.Tensor, space: ColorSpace = 'yiq'): tf.Tensor {
  return applyColorMatrix(x, matrixToRgb(space));
}

/** The luminance Y of RGB images [..., 3], as [..., 1]. */
export function luminance(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const w = tf.tensor1d(RGB_TO.yiq.slice(0, 3));
    return tf.sum(tf.mul(x, w), -1, true);
  });
}

/**
 * An image with the luminance of `luma` and the chrominance of `chroma` (both RGB, same
 * shape): neural-style's -original_colors, and the last step of luminance-only transfer.
 */
export function combineLuminance(
  luma: tf.Tensor,
  chroma: tf.Tensor,
  space: ColorSpace = 'yiq',
): tf.Tensor {
  return tf.tidy(() => {
    const y = tf.slice(rgbToLumaChroma(luma, space), [0, 0, 0, 0], [-1, -1, -1, 1]);
    const c = tf.slice(rgbToLumaChroma(chroma, space), [0, 0, 0, 1], [-1, -1, -1, 2]);
    return lumaChromaToRgb(tf.concat([y, c], 3), space);
  });
}
