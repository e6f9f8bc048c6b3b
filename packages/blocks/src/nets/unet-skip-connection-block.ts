import { ArgumentError, Module, Sequential, tf } from '@atelier/core';
import { booleanOption, positiveInt } from '../checks.js';
import { LeakyReLU, ReLU, Tanh } from '../layers/activations.js';
import { ConvTranspose2d } from '../layers/conv-transpose2d.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dropout } from '../layers/dropout.js';
import { forkSeed, type Seed } from '../seed.js';
import type { GanNormChoice } from './gan-norm.js';

export type UnetLevel = 'outermost' | 'middle' | 'innermost';

export interface UnetSkipConnectionBlockOptions {
  /** Channels of the block's input and of its up path's output. */
  outerChannels: number;
  /** Channels after the down convolution. */
  innerChannels: number;
  /** Channels of the input when they differ from outerChannels (the outermost block). */
  inputChannels?: number;
  /** The block nested inside (absent for the innermost). */
  submodule?: Module;
  level: UnetLevel;
  norm: GanNormChoice;
  /** Dropout(0.5) at the end of a middle block. */
  dropout?: boolean;
  /**
   * Where the skip goes in the concatenation: 'first' (pix2pix's `cat([x, model(x)])`,
   * the default) or 'last' (BicycleGAN's UnetBlock, `cat([model(x), x])`).
   */
  skip?: 'first' | 'last';
  /** Biases in the convolutions; default: the norm's choice (pix2pix); BicycleGAN keeps them always. */
  bias?: boolean;
  seed?: Seed;
}

/**
 * One level of junyanz's UNet (`UnetSkipConnectionBlock`), NHWC: down (LeakyReLU(0.2),
 * Conv k4 s2 p1, norm), the nested block, up (ReLU, ConvTranspose k4 s2 p1, norm), and
 * the input concatenated before the result on the channel axis. The outermost block has
 * no activation or norm before its down conv, ends in a biased ConvTranspose and Tanh,
 * and returns no skip; the innermost has no norm after its down conv and no sub-block.
 * Its layers sit in `model` at the reference's indices (`model.1` the down conv, ...).
 */
export class UnetSkipConnectionBlock extends Module {
  readonly model: Sequential;
  readonly level: UnetLevel;
  readonly skip: 'first' | 'last';

  constructor(options: UnetSkipConnectionBlockOptions) {
    super();
    const where = 'UnetSkipConnectionBlock';
    const { norm, submodule, level, seed } = options;
    const outer = positiveInt(options.outerChannels, 'outerChannels', where);
    const inner = positiveInt(options.innerChannels, 'innerChannels', where);
    const input = positiveInt(options.inputChannels ?? outer, 'inputChannels', where);
    const dropout = booleanOption(options.dropout ?? false, 'dropout', where);
    this.level = level;
    if (options.skip !== undefined && options.skip !== 'first' && options.skip !== 'last')
      throw new ArgumentError(
        `${where}: skip must be 'first' or 'last', got ${String(options.skip)}`,
      );
    this.skip = options.skip ?? 'first';
    const bias = booleanOption(options.bias ?? norm.convBias, 'bias', where);
    const downconv = new Conv2d({
      inChannels: input,
      outChannels: inner,
      kernelSize: 4,
      stride: 2,
      padding: 1,
      bias,
      seed: forkSeed(seed, 'downconv', where),
    });
    const up = (inChannels: number, withBias: boolean) =>
      new ConvTranspose2d({
        inChannels,
        outChannels: outer,
        kernelSize: 4,
        stride: 2,
        padding: 1,
        bias: withBias,
        seed: forkSeed(seed, 'upconv', where),
      });
    if (level === 'outermost') {
      if (!submodule) throw new ArgumentError(`${where}: the outermost block needs a submodule`);
      this.model = new Sequential([
        downconv,
        submodule,
        new ReLU(),
        up(inner * 2, true),
        new Tanh(),
      ]);
    } else if (level === 'innermost') {
      this.model = new Sequential([
        new LeakyReLU({ alpha: 0.2 }),
        downconv,
        new ReLU(),
        up(inner, bias),
        norm.layer(outer),
      ]);
    } else {
      if (!submodule) throw new ArgumentError(`${where}: a middle block needs a submodule`);
      const layers = [
        new LeakyReLU({ alpha: 0.2 }),
        downconv,
        norm.layer(inner),
        submodule,
        new ReLU(),
        up(inner * 2, bias),
        norm.layer(outer),
      ];
      if (dropout) layers.push(new Dropout({ p: 0.5, seed: forkSeed(seed, 'dropout', where) }));
      this.model = new Sequential(layers);
    }
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    if (this.level === 'outermost') return this.model.forward(x) as tf.Tensor4D;
    // The reference's down path starts with an in-place LeakyReLU(0.2), which rewrites
    // `x` itself before `torch.cat([x, self.model(x)], 1)` reads it: the skip carries
    // LeakyReLU(x), not x. Kept, so that pretrained pix2pix weights give their outputs.
    const activated = (this.model.at(0) as Module).forward(x) as tf.Tensor;
    let y = activated;
    for (let i = 1; i < this.model.length; i++) {
      const layer = this.model.at(i)!;
      y = layer instanceof Module ? layer.forward(y) : layer(y);
    }
    return tf.concat(this.skip === 'first' ? [activated, y] : [y, activated], 3) as tf.Tensor4D;
  }
}
