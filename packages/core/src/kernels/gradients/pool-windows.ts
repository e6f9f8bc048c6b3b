import { tf } from '../../tfjs.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface PoolWindows {
  outHeight: number;
  outWidth: number;
  /** For each output pixel, the share of its window inside the image, [1, outH, outW, 1]; null when every window is whole. */
  insideFraction: tf.Tensor | null;
}

/** How many of `filter` positions starting at `start` fall inside [0, size). */
function inside(start: number, filter: number, size: number): number {
  return Math.max(0, Math.min(start + filter, size) - Math.max(start, 0));
}

/**
 * The windows of a 2-D pooling as tfjs lays them out (same info as its kernels). Average
 * pooling on every backend divides by the number of window positions inside the image,
 * while tfjs's AvgPoolGrad divides by the whole window: the ratio is this fraction.
 */
export function poolWindows(
  inShape: number[],
  filterSize: [number, number] | number,
  strides: [number, number] | number,
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): PoolWindows {
  const info = tf.backend_util.computePool2DInfo(
    inShape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { outHeight, outWidth, strideHeight, strideWidth, inHeight, inWidth } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const rows = Array.from({ length: outHeight }, (_, r) =>
    inside(r * strideHeight - info.padInfo.top, fh, inHeight),
  );
  const cols = Array.from({ length: outWidth }, (_, c) =>
    inside(c * strideWidth - info.padInfo.left, fw, inWidth),
  );
  if (rows.every((n) => n === fh) && cols.every((n) => n === fw)) {
    return { outHeight, outWidth, insideFraction: null };
  }
  const fraction = new Float32Array(outHeight * outWidth);
  for (let r = 0; r < outHeight; r++) {
    for (let c = 0; c < outWidth; c++)
      fraction[r * outWidth + c] = (rows[r]! * cols[c]!) / (fh * fw);
  }
  return {
    outHeight,
    outWidth,
    insideFraction: tf.tensor4d(fraction, [1, outHeight, outWidth, 1]),
  };
}
