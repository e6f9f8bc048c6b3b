import { tf } from '../tfjs.js';

/**
 * The d-by-d phase images of an NHWC tensor, as spaceToBatchND makes them, but with
 * rank-3 transposes only: tfjs-wasm runs spaceToBatchND through a rank-6 transpose whose
 * per-element index arithmetic made a dilated convolution's backward pass 12x slower
 * than its forward. The batch order here is (column phase, row phase, n); only
 * `fromPhases` needs to know it. Both are differentiable (pad, reshape, transpose, slice).
 */

type Pads2 = [[number, number], [number, number]];

/** Pads x by `pads` (sizes must then divide by d) and splits it into its d*d phase images. */
export function toPhases(x: tf.Tensor4D, [dh, dw]: [number, number], pads: Pads2): tf.Tensor4D {
  const padded = tf.pad(x, [[0, 0], pads[0], pads[1], [0, 0]]);
  const [n, h, w, c] = padded.shape;
  const hb = h / dh;
  const wb = w / dw;
  // Rows: [n*hb, dh, w*c] -> [dh, n*hb, w*c]; then columns: [dh*n*hb*wb, dw, c] -> [dw, ..., c].
  const rows = tf.transpose(tf.reshape(padded, [n * hb, dh, w * c]), [1, 0, 2]);
  const cols = tf.transpose(tf.reshape(rows, [dh * n * hb * wb, dw, c]), [1, 0, 2]);
  return tf.reshape(cols, [dw * dh * n, hb, wb, c]);
}

/** Interleaves phase images back into [n, hb*dh, wb*dw, c] and crops `crops` off. */
export function fromPhases(
  phases: tf.Tensor4D,
  [dh, dw]: [number, number],
  crops: Pads2,
): tf.Tensor4D {
  const [batch, hb, wb, c] = phases.shape;
  const n = batch / (dh * dw);
  const cols = tf.transpose(tf.reshape(phases, [dw, dh * n * hb * wb, c]), [1, 0, 2]);
  const rows = tf.transpose(tf.reshape(cols, [dh, n * hb, wb * dw * c]), [1, 0, 2]);
  const full = tf.reshape(rows, [n, hb * dh, wb * dw, c]);
  const [[top, bottom], [left, right]] = crops;
  return tf.slice(
    full,
    [0, top, left, 0],
    [n, hb * dh - top - bottom, wb * dw - left - right, c],
  ) as tf.Tensor4D;
}
