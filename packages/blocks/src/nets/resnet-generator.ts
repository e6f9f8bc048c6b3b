import { type Layer, Module, Sequential, ShapeError, type tf } from '@atelier/core';
import { booleanOption, checkNHWC, nonNegativeInt, positiveInt } from '../checks.js';
import { ReLU, Tanh } from '../layers/activations.js';
import { ConvTranspose2d } from '../layers/conv-transpose2d.js';
import { Conv2d } from '../layers/conv2d.js';
import { ReflectionPad2d } from '../layers/padding.js';
import { forkSeed, type Seed } from '../seed.js';
import { type GanNorm, ganNorm } from './gan-norm.js';
import { readOptions } from './options.js';
import { ResnetBlock } from './resnet-block.js';

export interface ResnetGeneratorOptions {
  /** Default 3. */
  inChannels?: number;
  /** Default 3. */
  outChannels?: number;
  /** Filters of the first conv; default 64. */
  ngf?: number;
  /** Default 'instance' (CycleGAN). */
  norm?: GanNorm;
  /** Residual blocks: 9 is resnet_9blocks (the default), 6 resnet_6blocks. */
  nBlocks?: number;
  /** Dropout(0.5) inside every residual block; default false. */
  dropout?: boolean;
  seed?: Seed;
}

/**
 * CycleGAN's generator, junyanz's `ResnetGenerator` (after Johnson et al.), NHWC:
 * ReflectionPad(3) + Conv7 + norm + ReLU, two k3 s2 p1 downsampling convs, `nBlocks`
 * residual blocks at 4ngf, two ConvTranspose k3 s2 p1 output_padding 1 (PyTorch's
 * sizes: exactly twice the input), ReflectionPad(3) + Conv7 + Tanh. Height and width
 * must be multiples of 4 to come back at the input's size. Keys as the reference:
 * `model.1`, `model.4`, `model.7`, `model.10.conv_block.1`, ...
 *
 * @example
 * const G = new ResnetGenerator({ inChannels: 3, outChannels: 3, nBlocks: 9, norm: 'instance' });
 * const fake = G.forward(tf.zeros([1, 256, 256, 3])); // CycleGAN's resnet_9blocks
 */
export class ResnetGenerator extends Module {
  readonly model: Sequential;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly ngf: number;
  readonly norm: GanNorm;
  readonly nBlocks: number;
  readonly dropout: boolean;

  constructor(options?: ResnetGeneratorOptions) {
    super();
    const where = 'ResnetGenerator';
    const o = readOptions(
      options,
      where,
      '{ inChannels, outChannels, ngf, norm, nBlocks, dropout }',
    );
    this.inChannels = positiveInt(o.inChannels ?? 3, 'inChannels', where);
    this.outChannels = positiveInt(o.outChannels ?? 3, 'outChannels', where);
    this.ngf = positiveInt(o.ngf ?? 64, 'ngf', where);
    const norm = ganNorm(o.norm ?? 'instance', where);
    this.norm = norm.name;
    this.nBlocks = nonNegativeInt(o.nBlocks ?? 9, 'nBlocks', where);
    this.dropout = booleanOption(o.dropout ?? false, 'dropout', where);
    const ngf = this.ngf;
    const bias = norm.convBias;
    const seed = (label: string) => forkSeed(o.seed, label, where);

    const layers: Layer[] = [
      new ReflectionPad2d(3),
      new Conv2d({
        inChannels: this.inChannels,
        outChannels: ngf,
        kernelSize: 7,
        bias,
        seed: seed('in'),
      }),
      norm.layer(ngf),
      new ReLU(),
    ];
    for (const mult of [1, 2]) {
      layers.push(
        new Conv2d({
          inChannels: ngf * mult,
          outChannels: ngf * mult * 2,
          kernelSize: 3,
          stride: 2,
          padding: 1,
          bias,
          seed: seed(`down${mult}`),
        }),
        norm.layer(ngf * mult * 2),
        new ReLU(),
      );
    }
    for (let i = 0; i < this.nBlocks; i++) {
      layers.push(
        new ResnetBlock({
          channels: ngf * 4,
          norm,
          dropout: this.dropout,
          seed: seed(`block${i}`),
        }),
      );
    }
    for (const mult of [4, 2]) {
      layers.push(
        new ConvTranspose2d({
          inChannels: ngf * mult,
          outChannels: (ngf * mult) / 2,
          kernelSize: 3,
          stride: 2,
          padding: 1,
          outputPadding: 1,
          bias,
          seed: seed(`up${mult}`),
        }),
        norm.layer((ngf * mult) / 2),
        new ReLU(),
      );
    }
    layers.push(
      new ReflectionPad2d(3),
      new Conv2d({
        inChannels: ngf,
        outChannels: this.outChannels,
        kernelSize: 7,
        seed: seed('out'),
      }),
      new Tanh(),
    );
    this.model = new Sequential(layers);
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'ResnetGenerator', this.inChannels);
    const [, h, w] = input.shape;
    // The two stride-2 convs need multiples of 4 for the transposed convs to restore
    // the size (the reference would return another size); the blocks' reflection pad of
    // 1 needs at least 2 pixels at a quarter of the size.
    if (h % 4 !== 0 || w % 4 !== 0 || h < 8 || w < 8) {
      throw new ShapeError(
        `ResnetGenerator: height and width must be multiples of 4 and at least 8, got ${h}x${w}`,
      );
    }
    return this.model.forward(input) as tf.Tensor4D;
  }
}
