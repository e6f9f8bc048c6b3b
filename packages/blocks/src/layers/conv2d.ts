import { ArgumentError, describe, Module, ops, parameter, type tf } from '@atelier/core';
import { booleanOption, checkNHWC, intPair, oneOf, positiveInt } from '../checks.js';
import { torchDefaultBias, torchDefaultWeight } from '../init/initializers.js';
import { forkSeed, type Seed } from '../seed.js';
import type { WeightedLayer } from './weighted.js';

/** How padded pixels are filled: PyTorch's `padding_mode`. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate';

/**
 * 'valid' (none), 'same' (output size ceil(in / stride), the odd pixel after, which is
 * PyTorch's 'same' at stride 1), one number for every side, [vertical, horizontal] as
 * PyTorch's `padding=(ph, pw)`, or explicit [top, bottom, left, right].
 */
export type ConvPadding =
  | 'valid'
  | 'same'
  | number
  | [number, number]
  | [number, number, number, number];

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number | [number, number];
  stride?: number | [number, number];
  /** Default 0, as PyTorch. */
  padding?: ConvPadding;
  paddingMode?: PaddingMode;
  dilation?: number | [number, number];
  /** Channels are split into groups convolved apart; both counts must divide by it. */
  groups?: number;
  /** Default true. */
  bias?: boolean;
  /** Seed of PyTorch's default initialisation (U(-1/sqrt(fanIn), 1/sqrt(fanIn))). */
  seed?: Seed;
}

export function checkPadding(value: unknown, where: string): ConvPadding {
  const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (value === 'same' || value === 'valid' || count(value)) return value as ConvPadding;
  if (Array.isArray(value) && (value.length === 2 || value.length === 4) && value.every(count)) {
    return [...value] as ConvPadding;
  }
  throw new ArgumentError(
    `${where}: padding must be 'same', 'valid', an integer >= 0, [vertical, horizontal] or [top, bottom, left, right], got ${describe(value)}`,
  );
}

/**
 * PyTorch's nn.Conv2d on NHWC tensors: stride, padding (zeros, reflect or replicate),
 * dilation, groups, bias. `weight` is [kh, kw, in / groups, out] (PyTorch's
 * (out, in / groups, kh, kw), kind 'conv'), `bias` [out].
 *
 * @example
 * const conv = new Conv2d({ inChannels: 3, outChannels: 16, kernelSize: 3, padding: 1 });
 * const y = conv.forward(tf.zeros([1, 32, 32, 3])); // [1, 32, 32, 16]
 */
export class Conv2d extends Module implements WeightedLayer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: ConvPadding;
  readonly paddingMode: PaddingMode;
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(options: Conv2dOptions) {
    super();
    const where = 'Conv2d';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `${where}: expected options { inChannels, outChannels, kernelSize, ... }, got ${describe(options)}`,
      );
    }
    this.inChannels = positiveInt(options.inChannels, 'inChannels', where);
    this.outChannels = positiveInt(options.outChannels, 'outChannels', where);
    this.kernelSize = intPair(options.kernelSize, 'kernelSize', where, 1);
    this.stride = intPair(options.stride ?? 1, 'stride', where, 1);
    this.padding = checkPadding(options.padding ?? 0, where);
    this.paddingMode = oneOf(
      options.paddingMode ?? 'zeros',
      ['zeros', 'reflect', 'replicate'] as const,
      'paddingMode',
      where,
    );
    this.dilation = intPair(options.dilation ?? 1, 'dilation', where, 1);
    this.groups = positiveInt(options.groups ?? 1, 'groups', where);
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new ArgumentError(
        `${where}: inChannels (${this.inChannels}) and outChannels (${this.outChannels}) must both be divisible by groups (${this.groups})`,
      );
    }
    const withBias = booleanOption(options.bias ?? true, 'bias', where);
    const [kh, kw] = this.kernelSize;
    const shape = [kh, kw, this.inChannels / this.groups, this.outChannels];
    this.weight = parameter(
      torchDefaultWeight(shape, 'conv', forkSeed(options.seed, 'weight', where)),
      'conv',
    );
    const fanIn = (this.inChannels / this.groups) * kh * kw;
    this.bias = withBias
      ? parameter(torchDefaultBias(this.outChannels, fanIn, forkSeed(options.seed, 'bias', where)))
      : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    return this.forwardWithWeight(x, this.weight);
  }

  forwardWithWeight(x: tf.Tensor, weight: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'Conv2d', this.inChannels);
    return ops.conv2d(input, weight as tf.Tensor4D, {
      stride: this.stride,
      padding: this.padding,
      padMode: this.paddingMode,
      dilation: this.dilation,
      groups: this.groups,
      bias: this.bias,
    });
  }
}
