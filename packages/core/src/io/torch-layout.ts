/**
 * Weight layouts between PyTorch and tfjs. Each function returns a new tensor the caller
 * owns; the input is left alone.
 *
 *   PyTorch                                   tfjs
 *   Conv2d            (O, I/g, kh, kw)   <->  conv2d filter      [kh, kw, I/g, O]
 *   ConvTranspose2d   (I, O/g, kh, kw)   <->  conv2dTranspose    [kh, kw, O/g, I]
 *   Conv2d, groups=C  (C*m, 1, kh, kw)   <->  depthwiseConv2d    [kh, kw, C, m]
 *   Linear            (out, in)          <->  matMul weight      [in, out]
 *
 * A grouped Conv2d (g groups) keeps PyTorch's order of output channels: group k owns
 * outputs [k*O/g, (k+1)*O/g) and inputs [k*I/g, (k+1)*I/g), so the plain OIHW -> HWIO
 * transpose gives [kh, kw, I/g, O] and group k convolves its input slice with the
 * filter's output slice k. No kernel flip is needed anywhere: PyTorch's and tfjs's
 * convolutions are both cross-correlations, and both transposed convolutions are the
 * input gradient of that cross-correlation.
 */
import { ArgumentError, describe, ShapeError } from '../errors.js';
import { tf } from '../tfjs.js';

function checkTensor(value: unknown, rank: number, fn: string, layout: string): tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    throw new ArgumentError(`${fn}: expected a tensor, got ${describe(value)}`);
  }
  if (value.rank !== rank) {
    throw new ShapeError(`${fn}: expected a rank-${rank} ${layout} weight, got ${describe(value)}`);
  }
  return value;
}

/** PyTorch Conv2d weight (O, I/groups, kh, kw) -> tfjs conv2d filter [kh, kw, I/groups, O]. */
export function convFromTorch(weight: tf.Tensor): tf.Tensor4D {
  const w = checkTensor(weight, 4, 'convFromTorch', '(O, I, kh, kw)');
  return tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
}

/** tfjs conv2d filter [kh, kw, I, O] -> PyTorch Conv2d weight (O, I, kh, kw). */
export function convToTorch(filter: tf.Tensor): tf.Tensor4D {
  const w = checkTensor(filter, 4, 'convToTorch', '[kh, kw, I, O]');
  return tf.transpose(w, [3, 2, 0, 1]) as tf.Tensor4D;
}

/** PyTorch ConvTranspose2d weight (I, O, kh, kw) -> tfjs conv2dTranspose filter [kh, kw, O, I]. */
export function convTransposeFromTorch(weight: tf.Tensor): tf.Tensor4D {
  const w = checkTensor(weight, 4, 'convTransposeFromTorch', '(I, O, kh, kw)');
  return tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
}

/** tfjs conv2dTranspose filter [kh, kw, O, I] -> PyTorch ConvTranspose2d weight (I, O, kh, kw). */
export function convTransposeToTorch(filter: tf.Tensor): tf.Tensor4D {
  const w = checkTensor(filter, 4, 'convTransposeToTorch', '[kh, kw, O, I]');
  return tf.transpose(w, [3, 2, 0, 1]) as tf.Tensor4D;
}

/** PyTorch Linear weight (out, in) -> the [in, out] matrix of `x.matMul(w)`. */
export function linearFromTorch(weight: tf.Tensor): tf.Tensor2D {
  const w = checkTensor(weight, 2, 'linearFromTorch', '(out, in)');
  return tf.transpose(w) as tf.Tensor2D;
}

/** [in, out] matrix -> PyTorch Linear weight (out, in). */
export function linearToTorch(weight: tf.Tensor): tf.Tensor2D {
  const w = checkTensor(weight, 2, 'linearToTorch', '[in, out]');
  return tf.transpose(w) as tf.Tensor2D;
}

/**
 * PyTorch depthwise Conv2d weight (groups = in_channels = C, out = C*m): (C*m, 1, kh, kw)
 * -> tfjs depthwiseConv2d filter [kh, kw, C, m]. The shape alone cannot tell C from m,
 * so `inChannels` says C; by default m = 1. Output channel c*m + j is channel j of group
 * c in both layouts.
 */
export function depthwiseFromTorch(weight: tf.Tensor, inChannels?: number): tf.Tensor4D {
  const w = checkTensor(weight, 4, 'depthwiseFromTorch', '(C*m, 1, kh, kw)');
  const [out, one, kh, kw] = w.shape as [number, number, number, number];
  if (one !== 1) {
    throw new ShapeError(
      `depthwiseFromTorch: a depthwise weight has one input channel per group, (C*m, 1, kh, kw); got ${describe(w)}`,
    );
  }
  const c = inChannels ?? out;
  if (!Number.isInteger(c) || c <= 0 || out % c !== 0) {
    throw new ArgumentError(
      `depthwiseFromTorch: inChannels must be a positive integer dividing ${out} (the weight's output channels), got ${describe(inChannels)}`,
    );
  }
  return tf.tidy(() =>
    tf.transpose(tf.reshape(w, [c, out / c, kh, kw]), [2, 3, 0, 1]),
  ) as tf.Tensor4D;
}

/** tfjs depthwiseConv2d filter [kh, kw, C, m] -> PyTorch weight (C*m, 1, kh, kw). */
export function depthwiseToTorch(filter: tf.Tensor): tf.Tensor4D {
  const w = checkTensor(filter, 4, 'depthwiseToTorch', '[kh, kw, C, m]');
  const [kh, kw, c, m] = w.shape as [number, number, number, number];
  return tf.tidy(() =>
    tf.reshape(tf.transpose(w, [2, 3, 0, 1]), [c * m, 1, kh, kw]),
  ) as tf.Tensor4D;
}
