import { tf } from '../tfjs.js';
import { explicit, type Pads } from './conv-args.js';

/**
 * A grouped convolution (x NHWC, w [kh, kw, Cin/groups, Cout]) with either stride or
 * dilation 1 on each axis, by the fastest formulation tfjs offers on the backend.
 *
 * tfjs has no grouped convolution. The candidates, measured on a 2-core machine
 * (CPU milliseconds of one process, 3x3 conv 128 -> 128 channels, batch 1; forward /
 * forward+backward):
 *
 *   wasm, 64x64, groups 32 (Cin/groups 4): per-group loop 90 / 245, depthwise-sum 20 / 81,
 *     block-diagonal dense filter 62 / 186
 *   wasm, 32x32, groups 32: loop 33 / 80, depthwise-sum 4.7 / 19, block-diagonal 14 / 72
 *   wasm, 64x64, groups 16 (8): loop 37 / 106, depthwise-sum 27 / 122
 *   wasm, 64x64, groups 8 (16): loop 34 / 91, depthwise-sum 43 / 213
 *   wasm, 64x64, groups 4 (32): loop 24 / 86, depthwise-sum 71 / 381
 *   cpu, 32x32, groups 32: loop 43 / 437, depthwise-sum 77 / 636, im2col + batched
 *     matMul 368 / 914, block-diagonal 451 / 8576
 *   cpu, 64x64, groups 32: loop 155 / 1544, depthwise-sum 315 / 2365, im2col 1177 / 3092
 *
 * depthwise-sum: a depthwise convolution with channel multiplier Cout/groups gives every
 * (input channel, output channel of its group) product; summing over the input channels
 * of each group is the grouped convolution, with exactly its multiply count. It wins
 * where groups are narrow (XNNPACK runs it as one operator; WebGPU as one dispatch plus a
 * reduction) and loses to a loop of dense convolutions where groups are wide. On cpu,
 * tfjs's depthwise kernel is slower per multiply than its conv2d, so the loop wins.
 */
const DEPTHWISE_SUM_MAX_GROUP_WIDTH = 8;

export type GroupedFormulation = 'dense' | 'depthwise' | 'depthwise-sum' | 'per-group';

/** Which formulation `groupedConv2d` uses on the current backend. */
export function groupedFormulation(cin: number, groups: number): GroupedFormulation {
  if (groups === 1) return 'dense';
  const width = cin / groups;
  if (width === 1) return 'depthwise';
  if (tf.getBackend() !== 'cpu' && width <= DEPTHWISE_SUM_MAX_GROUP_WIDTH) return 'depthwise-sum';
  return 'per-group';
}

export function groupedConv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  groups: number,
  stride: [number, number],
  dilation: [number, number],
  pads: Pads,
): tf.Tensor4D {
  const [kh, kw, width, cout] = w.shape;
  const cin = x.shape[3];
  const perGroupOut = cout / groups;
  const pad = explicit(pads);
  switch (groupedFormulation(cin, groups)) {
    case 'dense':
      return tf.conv2d(x, w, stride, pad, 'NHWC', dilation);
    case 'depthwise':
      return tf.depthwiseConv2d(
        x,
        tf.reshape(w, [kh, kw, cin, perGroupOut]),
        stride,
        pad,
        'NHWC',
        dilation,
      );
    case 'depthwise-sum': {
      // Depthwise filter [kh, kw, Cin, M]: input channel g*width + j feeds outputs g*M + m.
      const grouped = tf.reshape(w, [kh, kw, width, groups, perGroupOut]);
      const dw = tf.reshape(tf.transpose(grouped, [0, 1, 3, 2, 4]), [kh, kw, cin, perGroupOut]);
      const products = tf.depthwiseConv2d(x, dw as tf.Tensor4D, stride, pad, 'NHWC', dilation);
      const [n, oh, ow] = products.shape;
      const summed = tf.sum(tf.reshape(products, [n * oh * ow * groups, width, perGroupOut]), 1);
      return tf.reshape(summed, [n, oh, ow, cout]);
    }
    case 'per-group': {
      const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
      const ws = tf.split(w, groups, 3) as tf.Tensor4D[];
      return tf.concat(
        xs.map((xi, g) => tf.conv2d(xi, ws[g]!, stride, pad, 'NHWC', dilation)),
        3,
      );
    }
  }
}
