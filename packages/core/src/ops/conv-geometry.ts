import { tf } from '../tfjs.js';

/**
 * Differentiable reshapings that turn a convolution tfjs refuses (stride and dilation
 * both above 1) into ones it runs. Each is built from pad, slice and reshape, whose
 * gradients tfjs has on every backend.
 */

type Axis = 1 | 2;

/** Pads (or crops) one spatial axis with zeros to `length`. */
export function fitAxis(x: tf.Tensor4D, axis: Axis, length: number): tf.Tensor4D {
  const size = x.shape[axis];
  if (length === size) return x;
  if (length < size) {
    const extent = [...x.shape];
    extent[axis] = length;
    return tf.slice(x, [0, 0, 0, 0], extent);
  }
  const paddings: [number, number][] = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  paddings[axis] = [0, length - size];
  return tf.pad(x, paddings);
}

/** Keeps every `step`-th row (axis 1) or column (axis 2), starting with the first. */
export function subsampleAxis(x: tf.Tensor4D, axis: Axis, step: number): tf.Tensor4D {
  if (step === 1) return x;
  const kept = Math.ceil(x.shape[axis] / step);
  const fitted = fitAxis(x, axis, kept * step);
  const [n, h, w, c] = fitted.shape;
  // Split the axis into (kept, step) and take index 0 of `step`.
  const split =
    axis === 1
      ? tf.reshape(fitted, [n * kept, step, w * c])
      : tf.reshape(fitted, [n * h * kept, step, c]);
  const [rows, , cols] = split.shape as [number, number, number];
  const first = tf.slice(split, [0, 0, 0], [rows, 1, cols]);
  return tf.reshape(first, axis === 1 ? [n, kept, w, c] : [n, h, kept, c]);
}

/**
 * Spreads the rows (axis 1) or columns (axis 2) `step` apart with zeros between them:
 * out[step * i] = x[i]; the result has step * size entries (step - 1 trailing zeros).
 */
export function spreadAxis(x: tf.Tensor4D, axis: Axis, step: number): tf.Tensor4D {
  if (step === 1) return x;
  const [n, h, w, c] = x.shape;
  const grouped = axis === 1 ? tf.reshape(x, [n * h, 1, w * c]) : tf.reshape(x, [n * h * w, 1, c]);
  const spread = tf.pad(grouped, [
    [0, 0],
    [0, step - 1],
    [0, 0],
  ]);
  return tf.reshape(spread, axis === 1 ? [n, h * step, w, c] : [n, h, w * step, c]);
}

/** A filter with `dilation - 1` zero taps inserted between its taps along each axis. */
export function dilateFilter(w: tf.Tensor4D, dilation: [number, number]): tf.Tensor4D {
  if (dilation[0] === 1 && dilation[1] === 1) return w;
  const [kh, kw, cin, cout] = w.shape;
  // As an image [1, kh, kw, cin * cout], spread and trimmed to (k - 1) * d + 1 taps.
  let image = tf.reshape(w, [1, kh, kw, cin * cout]) as tf.Tensor4D;
  image = fitAxis(spreadAxis(image, 1, dilation[0]), 1, (kh - 1) * dilation[0] + 1);
  image = fitAxis(spreadAxis(image, 2, dilation[1]), 2, (kw - 1) * dilation[1] + 1);
  return tf.reshape(image, [image.shape[1], image.shape[2], cin, cout]);
}
