import type { Layer } from '@atelier/core';
import { Module, Sequential, tf } from '@atelier/core';
import { booleanOption, positiveInt } from '../checks.js';
import { ReLU } from '../layers/activations.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dropout } from '../layers/dropout.js';
import { ReflectionPad2d } from '../layers/padding.js';
import { forkSeed, type Seed } from '../seed.js';
import type { GanNormChoice } from './gan-norm.js';

export interface ResnetBlockOptions {
  channels: number;
  norm: GanNormChoice;
  /** Dropout(0.5) between the two convolutions; the second conv then sits at `conv_block.6`. */
  dropout?: boolean;
  seed?: Seed;
}

/**
 * junyanz's `ResnetBlock` (reflection padding): x + [ReflectionPad(1), Conv3, norm,
 * ReLU, (Dropout), ReflectionPad(1), Conv3, norm](x), with no activation after the sum.
 */
export class ResnetBlock extends Module {
  readonly conv_block: Sequential;

  constructor(options: ResnetBlockOptions) {
    super();
    const where = 'ResnetBlock';
    const channels = positiveInt(options.channels, 'channels', where);
    const dropout = booleanOption(options.dropout ?? false, 'dropout', where);
    const { norm, seed } = options;
    const conv = (label: string) =>
      new Conv2d({
        inChannels: channels,
        outChannels: channels,
        kernelSize: 3,
        bias: norm.convBias,
        seed: forkSeed(seed, label, where),
      });
    const layers: Layer[] = [
      new ReflectionPad2d(1),
      conv('conv1'),
      norm.layer(channels),
      new ReLU(),
    ];
    if (dropout) layers.push(new Dropout({ p: 0.5, seed: forkSeed(seed, 'dropout', where) }));
    layers.push(new ReflectionPad2d(1), conv('conv2'), norm.layer(channels));
    this.conv_block = new Sequential(layers);
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    return tf.add(x, this.conv_block.forward(x));
  }
}
