import { ArgumentError, describe, Module, Sequential, tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import type { ActivationSpec } from '../factories/activation.js';
import type { NormSpec } from '../factories/norm.js';
import { BatchNorm2d } from '../layers/batch-norm2d.js';
import { MaxPool2d } from '../layers/pooling.js';
import { forkSeed, type Seed } from '../seed.js';
import { ConvNormAct } from './conv-norm-act.js';

export interface InceptionOptions {
  inChannels: number;
  /** Output channels of the 1x1 branch. */
  ch1x1: number;
  /** 1x1 reduction before the 3x3 conv, and the 3x3 conv's outputs. */
  ch3x3red: number;
  ch3x3: number;
  /** 1x1 reduction before the 5x5 conv, and the 5x5 conv's outputs. */
  ch5x5red: number;
  ch5x5: number;
  /** Outputs of the 1x1 conv after the 3x3 max-pool. */
  poolProj: number;
  /**
   * Kernel of the "5x5" branch; default 5 (the paper). torchvision's GoogLeNet uses 3
   * there (a known slip it keeps for its weights): pass 3 to load them.
   */
  kernel5x5?: 3 | 5;
  /** Default 'batch' (eps 1e-3 as torchvision's BasicConv2d). */
  norm?: NormSpec;
  activation?: ActivationSpec;
  seed?: Seed;
}

/**
 * GoogLeNet's Inception module (Szegedy et al.), split-transform-merge: four parallel
 * branches (1x1; 1x1 -> 3x3; 1x1 -> 5x5; 3x3 max-pool -> 1x1), each conv followed by norm
 * and activation, concatenated on channels. Output channels ch1x1 + ch3x3 + ch5x5 +
 * poolProj; the spatial size is kept. State as torchvision's `Inception`:
 * `branch1.conv`, `branch1.bn`, `branch2.0.*`, `branch2.1.*`, `branch3.*`, `branch4.1.*`.
 */
export class InceptionBlock extends Module {
  readonly branch1: ConvNormAct;
  readonly branch2: Sequential;
  readonly branch3: Sequential;
  readonly branch4: Sequential;
  readonly inChannels: number;
  readonly outChannels: number;

  constructor(options: InceptionOptions) {
    super();
    const where = 'InceptionBlock';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `${where}: expected options { inChannels, ch1x1, ... }, got ${describe(options)}`,
      );
    }
    const counts = [
      'inChannels',
      'ch1x1',
      'ch3x3red',
      'ch3x3',
      'ch5x5red',
      'ch5x5',
      'poolProj',
    ] as const;
    for (const key of counts) positiveInt(options[key], key, where);
    this.inChannels = options.inChannels;
    const kernel5x5 = options.kernel5x5 ?? 5;
    if (kernel5x5 !== 3 && kernel5x5 !== 5) {
      throw new ArgumentError(`${where}: kernel5x5 must be 3 or 5, got ${describe(kernel5x5)}`);
    }
    const unit = (inC: number, outC: number, k: number, name: string) =>
      new ConvNormAct({
        inChannels: inC,
        outChannels: outC,
        kernelSize: k,
        norm: options.norm ?? ((c: number) => defaultNorm(c)),
        activation: options.activation ?? 'relu',
        bias: false,
        seed: forkSeed(options.seed, name, where),
      });
    this.branch1 = unit(this.inChannels, options.ch1x1, 1, 'branch1');
    this.branch2 = new Sequential([
      unit(this.inChannels, options.ch3x3red, 1, 'branch2.0'),
      unit(options.ch3x3red, options.ch3x3, 3, 'branch2.1'),
    ]);
    this.branch3 = new Sequential([
      unit(this.inChannels, options.ch5x5red, 1, 'branch3.0'),
      unit(options.ch5x5red, options.ch5x5, kernel5x5, 'branch3.1'),
    ]);
    this.branch4 = new Sequential([
      new MaxPool2d({ kernelSize: 3, stride: 1, padding: 1 }),
      unit(this.inChannels, options.poolProj, 1, 'branch4.1'),
    ]);
    this.outChannels = options.ch1x1 + options.ch3x3 + options.ch5x5 + options.poolProj;
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'InceptionBlock', this.inChannels);
    const branches = [this.branch1, this.branch2, this.branch3, this.branch4].map((b) =>
      b.forward(input),
    );
    return tf.concat(branches as tf.Tensor4D[], 3);
  }
}

/** torchvision's BasicConv2d: BatchNorm2d(eps=0.001). */
function defaultNorm(channels: number): Module {
  return new BatchNorm2d(channels, { eps: 1e-3 });
}
