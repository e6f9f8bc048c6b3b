import { ArgumentError, describe, Module, type tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { type ActivationSpec, makeActivation } from '../factories/activation.js';
import { isNoNorm, makeNorm, type NormSpec } from '../factories/norm.js';
import { Conv2d, type Conv2dOptions, type PaddingMode } from '../layers/conv2d.js';
import { forkSeed, type Seed } from '../seed.js';

/**
 * A 1x1 convolution: a per-pixel linear map across channels (mixes channels, never
 * looks at neighbours). Key `weight` [1, 1, in, out].
 */
export function conv1x1(
  inChannels: number,
  outChannels: number,
  options: Omit<Conv2dOptions, 'inChannels' | 'outChannels' | 'kernelSize'> = {},
): Conv2d {
  return new Conv2d({ ...options, inChannels, outChannels, kernelSize: 1, padding: 0 });
}

export interface SeparableConvOptions {
  inChannels: number;
  outChannels: number;
  /** Of the depthwise conv; default 3. */
  kernelSize?: number;
  stride?: number;
  dilation?: number;
  /** Depthwise outputs per input channel; default 1. */
  depthMultiplier?: number;
  paddingMode?: PaddingMode;
  /** After each conv; default 'batch'. 'none' gives plain convs with biases. */
  norm?: NormSpec;
  /** After each norm; default 'relu'. */
  activation?: ActivationSpec;
  seed?: Seed;
}

/**
 * Depthwise-separable convolution (MobileNet, Xception), as timm's
 * DepthwiseSeparableConv: a depthwise k x k conv (one filter per channel, groups =
 * inChannels) for space, then a 1x1 conv for channels, each followed by norm and
 * activation. About k^2 + out parameters per input channel instead of k^2 * out.
 * State: `conv_dw` (PyTorch weight (in * m, 1, k, k)), `bn1`, `conv_pw`, `bn2`.
 */
export class SeparableConv extends Module {
  readonly conv_dw: Conv2d;
  readonly bn1: Module;
  readonly act1: Module;
  readonly conv_pw: Conv2d;
  readonly bn2: Module;
  readonly act2: Module;
  readonly inChannels: number;

  constructor(options: SeparableConvOptions) {
    super();
    const where = 'SeparableConv';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `${where}: expected options { inChannels, outChannels, ... }, got ${describe(options)}`,
      );
    }
    this.inChannels = positiveInt(options.inChannels, 'inChannels', where);
    const k = positiveInt(options.kernelSize ?? 3, 'kernelSize', where);
    const dilation = positiveInt(options.dilation ?? 1, 'dilation', where);
    const mid =
      this.inChannels * positiveInt(options.depthMultiplier ?? 1, 'depthMultiplier', where);
    const norm = options.norm ?? 'batch';
    const act = options.activation ?? 'relu';
    this.conv_dw = new Conv2d({
      inChannels: this.inChannels,
      outChannels: mid,
      kernelSize: k,
      stride: options.stride ?? 1,
      dilation,
      padding: Math.floor((dilation * (k - 1)) / 2),
      paddingMode: options.paddingMode,
      groups: this.inChannels,
      bias: isNoNorm(norm),
      seed: forkSeed(options.seed, 'conv_dw', where),
    });
    this.bn1 = makeNorm(norm, mid, where);
    this.act1 = makeActivation(act, where);
    this.conv_pw = conv1x1(mid, options.outChannels, {
      bias: isNoNorm(norm),
      seed: forkSeed(options.seed, 'conv_pw', where),
    });
    this.bn2 = makeNorm(norm, options.outChannels, where);
    this.act2 = makeActivation(act, where);
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'SeparableConv', this.inChannels);
    const y = this.act1.forward(this.bn1.forward(this.conv_dw.forward(input)));
    return this.act2.forward(this.bn2.forward(this.conv_pw.forward(y))) as tf.Tensor4D;
  }
}
