import { ShapeError } from '../errors.js';
import { tf } from '../tfjs.js';
import { checkFilter, checkImage } from './conv-args.js';
import { type Conv2dOptions, conv2d } from './conv2d.js';

export type DepthwiseConv2dOptions = Omit<Conv2dOptions, 'groups'>;

/**
 * Depthwise 2D convolution of an NHWC tensor by a filter [kh, kw, C, M] (tfjs's layout;
 * output channel c*M + m is input channel c filtered by w[:, :, c, m]), which is
 * PyTorch's Conv2d with groups = C and weight [C*M, 1, kh, kw]. Takes the options of
 * `conv2d` (stride, padding, padMode, dilation, bias) in any combination;
 * differentiable to second order on cpu, wasm and webgpu.
 */
export function depthwiseConv2d(
  x: tf.Tensor,
  w: tf.Tensor,
  options: DepthwiseConv2dOptions = {},
): tf.Tensor4D {
  const op = 'depthwiseConv2d';
  const [, , , channels] = checkImage(op, 'x', x);
  const [kh, kw, c, m] = checkFilter(op, w, '[kh, kw, C, multiplier]');
  if (c !== channels) {
    throw new ShapeError(`${op}: the filter is for ${c} channels, x has ${channels}`);
  }
  return tf.tidy(() =>
    conv2d(x, tf.reshape(w, [kh, kw, 1, c * m]), { ...options, groups: channels }),
  );
}
