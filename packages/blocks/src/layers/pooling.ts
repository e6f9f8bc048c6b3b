import { ArgumentError, describe, Module, tf } from '@atelier/core';
import { booleanOption, checkNHWC, intPair } from '../checks.js';

export interface PoolOptions {
  kernelSize: number | [number, number];
  /** Default: the kernel size, as PyTorch. */
  stride?: number | [number, number];
  /** Implicit padding on every side, at most half the kernel; default 0. */
  padding?: number | [number, number];
}

function readPool(options: PoolOptions, where: string) {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(
      `${where}: expected options { kernelSize, stride, padding }, got ${describe(options)}`,
    );
  }
  const kernel = intPair(options.kernelSize, 'kernelSize', where, 1);
  const stride = intPair(options.stride ?? kernel, 'stride', where, 1);
  const padding = intPair(options.padding ?? 0, 'padding', where, 0);
  if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
    throw new ArgumentError(
      `${where}: padding must be at most half the kernel size, got padding ${describe(padding)} for kernel ${describe(kernel)}`,
    );
  }
  return { kernel, stride, padding };
}

function explicitPads([ph, pw]: [number, number]): [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
] {
  return [
    [0, 0],
    [ph, ph],
    [pw, pw],
    [0, 0],
  ];
}

/** Output size check: a pooling window must fit the (padded) input. */
function checkFits(
  x: tf.Tensor4D,
  kernel: [number, number],
  padding: [number, number],
  where: string,
): void {
  const [, h, w] = x.shape;
  if (h + 2 * padding[0] < kernel[0] || w + 2 * padding[1] < kernel[1]) {
    throw new ArgumentError(
      `${where}: the input ${h}x${w} (padded by ${padding.join('x')}) is smaller than the kernel ${kernel.join('x')}`,
    );
  }
}

/** PyTorch's nn.MaxPool2d on NHWC tensors (padding never wins the max; floor mode). */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(options: PoolOptions) {
    super();
    const { kernel, stride, padding } = readPool(options, 'MaxPool2d');
    this.kernelSize = kernel;
    this.stride = stride;
    this.padding = padding;
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'MaxPool2d');
    checkFits(input, this.kernelSize, this.padding, 'MaxPool2d');
    // tfjs pads max pooling with values that never win (as PyTorch's -inf padding).
    const [ph, pw] = this.padding;
    const pad = ph + pw === 0 ? 'valid' : explicitPads(this.padding);
    return tf.maxPool(input, this.kernelSize, this.stride, pad);
  }
}

/**
 * PyTorch's nn.AvgPool2d on NHWC tensors. With `countIncludePad` (PyTorch's default
 * true) the zero padding counts in every average; without, only real pixels do.
 */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly countIncludePad: boolean;

  constructor(options: PoolOptions & { countIncludePad?: boolean }) {
    super();
    const { kernel, stride, padding } = readPool(options, 'AvgPool2d');
    this.kernelSize = kernel;
    this.stride = stride;
    this.padding = padding;
    this.countIncludePad = booleanOption(
      options.countIncludePad ?? true,
      'countIncludePad',
      'AvgPool2d',
    );
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'AvgPool2d');
    checkFits(input, this.kernelSize, this.padding, 'AvgPool2d');
    const [ph, pw] = this.padding;
    if (ph + pw === 0) return tf.avgPool(input, this.kernelSize, this.stride, 'valid');
    const padded = tf.pad(input, explicitPads(this.padding));
    const sums = tf.avgPool(padded, this.kernelSize, this.stride, 'valid');
    if (this.countIncludePad) return sums;
    // Divide by the share of real pixels in each window: the same pooling of a mask.
    const ones = tf.pad(
      tf.ones([1, input.shape[1], input.shape[2], 1]),
      explicitPads(this.padding),
    );
    const share = tf.avgPool(ones as tf.Tensor4D, this.kernelSize, this.stride, 'valid');
    return tf.div(sums, share);
  }
}

/**
 * PyTorch's nn.AdaptiveAvgPool2d: output [h, w] bins, bin i covering input rows
 * floor(i * H / h) to ceil((i + 1) * H / h). Size 1 is the global average.
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(outputSize: number | [number, number]) {
    super();
    this.outputSize = intPair(outputSize, 'outputSize', 'AdaptiveAvgPool2d', 1);
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'AdaptiveAvgPool2d');
    const [n, h, w, c] = input.shape;
    const [oh, ow] = this.outputSize;
    if (oh === 1 && ow === 1) return tf.mean(input, [1, 2], true);
    if (h % oh === 0 && w % ow === 0) {
      return tf.mean(tf.reshape(input, [n, oh, h / oh, ow, w / ow, c]), [2, 4]) as tf.Tensor4D;
    }
    const bins = (size: number, out: number, i: number): [number, number] => [
      Math.floor((i * size) / out),
      Math.ceil(((i + 1) * size) / out),
    ];
    const rows: tf.Tensor4D[] = [];
    for (let i = 0; i < oh; i++) {
      const [r0, r1] = bins(h, oh, i);
      const cols: tf.Tensor4D[] = [];
      for (let j = 0; j < ow; j++) {
        const [c0, c1] = bins(w, ow, j);
        cols.push(tf.mean(tf.slice(input, [0, r0, c0, 0], [n, r1 - r0, c1 - c0, c]), [1, 2], true));
      }
      rows.push(tf.concat(cols, 2));
    }
    return tf.concat(rows, 1);
  }
}
