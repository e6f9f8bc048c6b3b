import { ArgumentError, Module, Sequential, ShapeError, tf } from '@atelier/core';
import { booleanOption, nonNegativeInt, positiveInt } from '../checks.js';
import { LeakyReLU, ReLU, Tanh } from '../layers/activations.js';
import { ConvTranspose2d } from '../layers/conv-transpose2d.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dropout } from '../layers/dropout.js';
import { forkSeed, type Seed } from '../seed.js';
import type { GanNormChoice } from './gan-norm.js';
import type { UnetLevel } from './unet-skip-connection-block.js';

export interface UnetBlockWithZOptions {
  /** Channels of the block's input (without z). */
  inputChannels: number;
  /** Channels of its up path's output. */
  outerChannels: number;
  /** Channels after the down convolution. */
  innerChannels: number;
  /** Length of z, tiled and concatenated to this block's input (0: none). */
  nz: number;
  submodule?: UnetBlockWithZ;
  level: UnetLevel;
  norm: GanNormChoice;
  dropout?: boolean;
  seed?: Seed;
}

/** z [N, nz] tiled over the image's height and width and concatenated to its channels. */
export function concatLatent(x: tf.Tensor4D, z: tf.Tensor2D): tf.Tensor4D {
  const [n, h, w] = x.shape;
  if (z.rank !== 2 || z.shape[0] !== n) {
    throw new ShapeError(`concatLatent: z must be [${n}, nz], got [${z.shape.join(', ')}]`);
  }
  const tiled = tf.tile(tf.reshape(z, [n, 1, 1, z.shape[1]]), [1, h, w, 1]);
  return tf.concat([x, tiled], 3) as tf.Tensor4D;
}

/**
 * One level of BicycleGAN's UNet with z at every level (`UnetBlock_with_z`), NHWC:
 * z tiled and concatenated to the block's input, down (LeakyReLU(0.2), Conv k4 s2 p1,
 * norm), the nested block (which gets z again), up (ReLU, ConvTranspose k4 s2 p1, norm,
 * dropout), and the result concatenated before the block's input (without z). The
 * outermost block has no activation or norm before its down conv and ends in Tanh; the
 * innermost has no norm after its down conv. Unlike pix2pix's block, the concatenation
 * with z makes a new tensor, so the reference's in-place LeakyReLU leaves the skip as x.
 */
export class UnetBlockWithZ extends Module {
  readonly down: Sequential;
  readonly up: Sequential;
  readonly submodule: UnetBlockWithZ | undefined;
  readonly level: UnetLevel;
  readonly nz: number;

  constructor(options: UnetBlockWithZOptions) {
    super();
    const where = 'UnetBlockWithZ';
    const { norm, submodule, level, seed } = options;
    const input = positiveInt(options.inputChannels, 'inputChannels', where);
    const outer = positiveInt(options.outerChannels, 'outerChannels', where);
    const inner = positiveInt(options.innerChannels, 'innerChannels', where);
    this.nz = nonNegativeInt(options.nz, 'nz', where);
    const dropout = booleanOption(options.dropout ?? false, 'dropout', where);
    if (level !== 'innermost' && !submodule)
      throw new ArgumentError(`${where}: a ${level} block needs a submodule`);
    this.level = level;
    this.submodule = submodule;
    // BicycleGAN's convolutions keep PyTorch's default bias whatever the norm.
    const downconv = new Conv2d({
      inChannels: input + this.nz,
      outChannels: inner,
      kernelSize: 4,
      stride: 2,
      padding: 1,
      seed: forkSeed(seed, 'downconv', where),
    });
    const upconv = new ConvTranspose2d({
      inChannels: level === 'innermost' ? inner : inner * 2,
      outChannels: outer,
      kernelSize: 4,
      stride: 2,
      padding: 1,
      seed: forkSeed(seed, 'upconv', where),
    });
    if (level === 'outermost') {
      this.down = new Sequential([downconv]);
      this.up = new Sequential([new ReLU(), upconv, new Tanh()]);
    } else if (level === 'innermost') {
      this.down = new Sequential([new LeakyReLU({ alpha: 0.2 }), downconv]);
      this.up = new Sequential([new ReLU(), upconv, norm.layer(outer)]);
    } else {
      this.down = new Sequential([new LeakyReLU({ alpha: 0.2 }), downconv, norm.layer(inner)]);
      const up = [new ReLU(), upconv, norm.layer(outer)];
      if (dropout) up.push(new Dropout({ p: 0.5, seed: forkSeed(seed, 'dropout', where) }));
      this.up = new Sequential(up);
    }
  }

  forward(x: tf.Tensor4D, z: tf.Tensor2D): tf.Tensor4D {
    const withZ = this.nz > 0 ? concatLatent(x, z) : x;
    let y = this.down.forward(withZ) as tf.Tensor4D;
    if (this.submodule) y = this.submodule.forward(y, z);
    const out = this.up.forward(y) as tf.Tensor4D;
    return this.level === 'outermost' ? out : (tf.concat([out, x], 3) as tf.Tensor4D);
  }
}
