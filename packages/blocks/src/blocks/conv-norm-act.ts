import { ArgumentError, describe, Module, type tf } from '@atelier/core';
import { type ActivationSpec, makeActivation } from '../factories/activation.js';
import { isNoNorm, makeNorm, type NormSpec } from '../factories/norm.js';
import { Conv2d, type ConvPadding, type PaddingMode } from '../layers/conv2d.js';
import { forkSeed, type Seed } from '../seed.js';

export interface ConvNormActOptions {
  inChannels: number;
  outChannels: number;
  /** Default 3. */
  kernelSize?: number;
  stride?: number;
  dilation?: number;
  groups?: number;
  /** Default dilation * (kernelSize - 1) / 2 ("same" size at stride 1, odd kernels). */
  padding?: ConvPadding;
  paddingMode?: PaddingMode;
  /** Default 'batch'. */
  norm?: NormSpec;
  /** Default 'relu'. */
  activation?: ActivationSpec;
  /** Conv bias; default only when there is no norm (a norm's shift makes it redundant). */
  bias?: boolean;
  seed?: Seed;
}

/**
 * Conv2d -> norm -> activation, the unit most blocks are made of (torchvision's
 * BasicConv2d, timm's ConvNormAct). State: `conv.*`, `bn.*` (whichever norm it is).
 */
export class ConvNormAct extends Module {
  readonly conv: Conv2d;
  readonly bn: Module;
  readonly act: Module;

  constructor(options: ConvNormActOptions) {
    super();
    const where = 'ConvNormAct';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `${where}: expected options { inChannels, outChannels, ... }, got ${describe(options)}`,
      );
    }
    const k = options.kernelSize ?? 3;
    const dilation = options.dilation ?? 1;
    const norm = options.norm ?? 'batch';
    this.conv = new Conv2d({
      inChannels: options.inChannels,
      outChannels: options.outChannels,
      kernelSize: k,
      stride: options.stride ?? 1,
      dilation,
      groups: options.groups ?? 1,
      padding: options.padding ?? Math.floor((dilation * (k - 1)) / 2),
      paddingMode: options.paddingMode ?? 'zeros',
      bias: options.bias ?? isNoNorm(norm),
      seed: forkSeed(options.seed, 'conv', where),
    });
    this.bn = makeNorm(norm, options.outChannels, where);
    this.act = makeActivation(options.activation ?? 'relu', where);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.act.forward(this.bn.forward(this.conv.forward(x)));
  }
}
