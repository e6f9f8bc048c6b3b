import { ArgumentError, describe, Module, type Sequential, tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { makeActivation } from '../factories/activation.js';
import { makeAttention } from '../factories/attention.js';
import { isNoNorm, makeNorm } from '../factories/norm.js';
import { Conv2d } from '../layers/conv2d.js';
import { forkSeed } from '../seed.js';
import { makeShortcut, type ResidualOptions } from './residual-basic.js';

export interface BottleneckOptions extends ResidualOptions {
  /** Groups of the 3x3 conv (ResNeXt's cardinality); default 1. */
  cardinality?: number;
  /** Width per group at planes 64 (ResNeXt's "d"); default 64. */
  baseWidth?: number;
  /** Output channels = planes * expansion; default 4. */
  expansion?: number;
}

/**
 * ResNet's bottleneck block, as timm's (and, with cardinality and baseWidth, ResNeXt's):
 * 1x1 conv to width -> norm -> act -> 3x3 conv (stride, `cardinality` groups) -> norm
 * -> act -> 1x1 conv to planes * expansion -> norm -> [attention] -> + shortcut -> act,
 * where width = floor(planes * baseWidth / 64) * cardinality. State: `conv1..3`,
 * `bn1..3`, `se`, `downsample.0/1`.
 */
export class Bottleneck extends Module {
  readonly conv1: Conv2d;
  readonly bn1: Module;
  readonly act1: Module;
  readonly conv2: Conv2d;
  readonly bn2: Module;
  readonly act2: Module;
  readonly conv3: Conv2d;
  readonly bn3: Module;
  readonly se: Module | undefined;
  readonly act3: Module;
  readonly downsample: Sequential | undefined;
  readonly inChannels: number;
  readonly width: number;
  readonly outChannels: number;

  constructor(inChannels: number, planes: number, options: BottleneckOptions = {}) {
    super();
    const where = (this.constructor as { name: string }).name;
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(`${where}: options must be an object, got ${describe(options)}`);
    }
    this.inChannels = positiveInt(inChannels, 'inChannels', where);
    positiveInt(planes, 'planes', where);
    const stride = positiveInt(options.stride ?? 1, 'stride', where);
    const cardinality = positiveInt(options.cardinality ?? 1, 'cardinality', where);
    const baseWidth = positiveInt(options.baseWidth ?? 64, 'baseWidth', where);
    const expansion = positiveInt(options.expansion ?? 4, 'expansion', where);
    this.width = Math.floor((planes * baseWidth) / 64) * cardinality;
    if (this.width === 0) {
      throw new ArgumentError(`${where}: planes * baseWidth / 64 rounds to 0 channels per group`);
    }
    this.outChannels = planes * expansion;
    const norm = options.norm ?? 'batch';
    const act = options.activation ?? 'relu';
    const conv = (
      inC: number,
      outC: number,
      k: number,
      name: string,
      extra: { stride?: number; groups?: number } = {},
    ) =>
      new Conv2d({
        inChannels: inC,
        outChannels: outC,
        kernelSize: k,
        padding: (k - 1) / 2,
        bias: isNoNorm(norm),
        seed: forkSeed(options.seed, name, where),
        ...extra,
      });
    this.conv1 = conv(inChannels, this.width, 1, 'conv1');
    this.bn1 = makeNorm(norm, this.width, where);
    this.act1 = makeActivation(act, where);
    this.conv2 = conv(this.width, this.width, 3, 'conv2', { stride, groups: cardinality });
    this.bn2 = makeNorm(norm, this.width, where);
    this.act2 = makeActivation(act, where);
    this.conv3 = conv(this.width, this.outChannels, 1, 'conv3');
    this.bn3 = makeNorm(norm, this.outChannels, where);
    this.se = makeAttention(
      options.attention,
      this.outChannels,
      forkSeed(options.seed, 'se', where),
      where,
    );
    this.act3 = makeActivation(act, where);
    this.downsample = makeShortcut(inChannels, this.outChannels, stride, norm, options.seed, where);
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, (this.constructor as { name: string }).name, this.inChannels);
    const shortcut = this.downsample ? this.downsample.forward(input) : input;
    let y = this.act1.forward(this.bn1.forward(this.conv1.forward(input)));
    y = this.act2.forward(this.bn2.forward(this.conv2.forward(y)));
    y = this.bn3.forward(this.conv3.forward(y));
    if (this.se) y = this.se.forward(y);
    return this.act3.forward(tf.add(y, shortcut)) as tf.Tensor4D;
  }
}
