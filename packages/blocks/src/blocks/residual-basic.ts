import { ArgumentError, describe, Module, Sequential, tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { type ActivationSpec, makeActivation } from '../factories/activation.js';
import { type AttentionSpec, makeAttention } from '../factories/attention.js';
import { isNoNorm, makeNorm, type NormSpec } from '../factories/norm.js';
import { Conv2d } from '../layers/conv2d.js';
import { forkSeed, type Seed } from '../seed.js';

export interface ResidualOptions {
  /** Default 'batch'. */
  norm?: NormSpec;
  /** Default 'relu'. */
  activation?: ActivationSpec;
  /** Applied to the residual branch before the addition; default none. */
  attention?: AttentionSpec;
  stride?: number;
  seed?: Seed;
}

/**
 * The projection shortcut of a residual block whose shape changes: 1x1 conv (with the
 * block's stride) and norm, as torchvision's `downsample` (keys `downsample.0`,
 * `downsample.1`). Undefined when the identity fits.
 */
export function makeShortcut(
  inChannels: number,
  outChannels: number,
  stride: number,
  norm: NormSpec,
  seed: Seed | undefined,
  where: string,
): Sequential | undefined {
  if (stride === 1 && inChannels === outChannels) return undefined;
  return new Sequential([
    new Conv2d({
      inChannels,
      outChannels,
      kernelSize: 1,
      stride,
      bias: isNoNorm(norm),
      seed: forkSeed(seed, 'downsample', where),
    }),
    makeNorm(norm, outChannels, where),
  ]);
}

/**
 * ResNet's basic block (He et al.), as timm's: conv3x3 (stride) -> norm -> act ->
 * conv3x3 -> norm -> [attention] -> + shortcut -> act. The norm, the activation and
 * the attention are pluggable. State: `conv1`, `bn1`, `conv2`, `bn2`, `se` (the
 * attention, if any), `downsample.0/1` (if the shape changes).
 */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: Module;
  readonly act1: Module;
  readonly conv2: Conv2d;
  readonly bn2: Module;
  readonly se: Module | undefined;
  readonly act2: Module;
  readonly downsample: Sequential | undefined;
  readonly inChannels: number;
  readonly outChannels: number;
  static readonly expansion = 1;

  constructor(inChannels: number, outChannels: number, options: ResidualOptions = {}) {
    super();
    const where = 'BasicBlock';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(`${where}: options must be an object, got ${describe(options)}`);
    }
    this.inChannels = positiveInt(inChannels, 'inChannels', where);
    this.outChannels = positiveInt(outChannels, 'outChannels', where);
    const stride = positiveInt(options.stride ?? 1, 'stride', where);
    const norm = options.norm ?? 'batch';
    const act = options.activation ?? 'relu';
    const conv = (inC: number, s: number, name: string) =>
      new Conv2d({
        inChannels: inC,
        outChannels,
        kernelSize: 3,
        stride: s,
        padding: 1,
        bias: isNoNorm(norm),
        seed: forkSeed(options.seed, name, where),
      });
    this.conv1 = conv(inChannels, stride, 'conv1');
    this.bn1 = makeNorm(norm, outChannels, where);
    this.act1 = makeActivation(act, where);
    this.conv2 = conv(outChannels, 1, 'conv2');
    this.bn2 = makeNorm(norm, outChannels, where);
    this.se = makeAttention(
      options.attention,
      outChannels,
      forkSeed(options.seed, 'se', where),
      where,
    );
    this.act2 = makeActivation(act, where);
    this.downsample = makeShortcut(inChannels, outChannels, stride, norm, options.seed, where);
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'BasicBlock', this.inChannels);
    const shortcut = this.downsample ? this.downsample.forward(input) : input;
    let y = this.act1.forward(this.bn1.forward(this.conv1.forward(input)));
    y = this.bn2.forward(this.conv2.forward(y));
    if (this.se) y = this.se.forward(y);
    return this.act2.forward(tf.add(y, shortcut)) as tf.Tensor4D;
  }
}
