import { ArgumentError, describe, Module, ops, parameter, type tf } from '@atelier/core';
import { booleanOption, checkNHWC, intPair, positiveInt } from '../checks.js';
import { torchDefaultBias, torchDefaultWeight } from '../init/initializers.js';
import { forkSeed, type Seed } from '../seed.js';
import type { WeightedLayer } from './weighted.js';

export interface ConvTranspose2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number | [number, number];
  stride?: number | [number, number];
  /** Removed from each side of the full output, as PyTorch's; default 0. */
  padding?: number | [number, number];
  /** Added to the bottom and right of the output; less than the stride or dilation. */
  outputPadding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
  /** Default true. */
  bias?: boolean;
  /** Seed of PyTorch's default initialisation. */
  seed?: Seed;
}

/**
 * PyTorch's nn.ConvTranspose2d on NHWC tensors: output size
 * (in - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1.
 * `weight` is [kh, kw, out / groups, in] (PyTorch's (in, out / groups, kh, kw), kind
 * 'convTranspose'), `bias` [out].
 */
export class ConvTranspose2d extends Module implements WeightedLayer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(options: ConvTranspose2dOptions) {
    super();
    const where = 'ConvTranspose2d';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `${where}: expected options { inChannels, outChannels, kernelSize, ... }, got ${describe(options)}`,
      );
    }
    this.inChannels = positiveInt(options.inChannels, 'inChannels', where);
    this.outChannels = positiveInt(options.outChannels, 'outChannels', where);
    this.kernelSize = intPair(options.kernelSize, 'kernelSize', where, 1);
    this.stride = intPair(options.stride ?? 1, 'stride', where, 1);
    this.padding = intPair(options.padding ?? 0, 'padding', where, 0);
    this.outputPadding = intPair(options.outputPadding ?? 0, 'outputPadding', where, 0);
    this.dilation = intPair(options.dilation ?? 1, 'dilation', where, 1);
    this.groups = positiveInt(options.groups ?? 1, 'groups', where);
    for (let a = 0; a < 2; a++) {
      if (this.outputPadding[a]! >= Math.max(this.stride[a]!, this.dilation[a]!)) {
        throw new ArgumentError(
          `${where}: outputPadding must be smaller than the stride or the dilation, got outputPadding ${describe(this.outputPadding)}, stride ${describe(this.stride)}, dilation ${describe(this.dilation)}`,
        );
      }
    }
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new ArgumentError(
        `${where}: inChannels (${this.inChannels}) and outChannels (${this.outChannels}) must both be divisible by groups (${this.groups})`,
      );
    }
    const withBias = booleanOption(options.bias ?? true, 'bias', where);
    const [kh, kw] = this.kernelSize;
    const shape = [kh, kw, this.outChannels / this.groups, this.inChannels];
    this.weight = parameter(
      torchDefaultWeight(shape, 'convTranspose', forkSeed(options.seed, 'weight', where)),
      'convTranspose',
    );
    // PyTorch takes the bias bound from the weight's fan-in, which for a transposed
    // conv is (out / groups) * kh * kw.
    const fanIn = (this.outChannels / this.groups) * kh * kw;
    this.bias = withBias
      ? parameter(torchDefaultBias(this.outChannels, fanIn, forkSeed(options.seed, 'bias', where)))
      : undefined;
  }

  /** The output [h, w] for an input of [h, w]. */
  outputSize(h: number, w: number): [number, number] {
    const size = (n: number, a: 0 | 1) =>
      (n - 1) * this.stride[a] -
      2 * this.padding[a] +
      this.dilation[a] * (this.kernelSize[a] - 1) +
      this.outputPadding[a] +
      1;
    return [size(h, 0), size(w, 1)];
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    return this.forwardWithWeight(x, this.weight);
  }

  forwardWithWeight(x: tf.Tensor, weight: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'ConvTranspose2d', this.inChannels);
    return ops.conv2dTranspose(input, weight as tf.Tensor4D, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dilation: this.dilation,
      groups: this.groups,
      bias: this.bias,
    });
  }
}
