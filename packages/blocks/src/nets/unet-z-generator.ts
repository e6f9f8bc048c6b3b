import { Module, ShapeError, tf } from '@atelier/core';
import { booleanOption, checkNHWC, oneOf, positiveInt } from '../checks.js';
import { forkSeed, type Seed } from '../seed.js';
import { type GanNorm, ganNorm } from './gan-norm.js';
import { readOptions } from './options.js';
import { concatLatent, UnetBlockWithZ } from './unet-block-with-z.js';
import { UnetSkipConnectionBlock } from './unet-skip-connection-block.js';

/** Where BicycleGAN's generator takes z: the input only, or every down convolution. */
export const WHERE_ADD = ['input', 'all'] as const;
export type WhereAdd = (typeof WHERE_ADD)[number];

export interface UnetZGeneratorOptions {
  /** Default 3. */
  inChannels?: number;
  /** Default 3. */
  outChannels?: number;
  /** Length of z; default 8. */
  nz?: number;
  /** Downsamplings: 8 for unet_256, 7 for unet_128, at least 5. Default 8. */
  numDowns?: number;
  ngf?: number;
  /** Default 'instance' (BicycleGAN's). */
  norm?: GanNorm;
  /** Dropout(0.5) in the 8ngf middle blocks (BicycleGAN's scripts: --use_dropout). */
  dropout?: boolean;
  /** Default 'all' (BicycleGAN's `--where_add`). */
  whereAdd?: WhereAdd;
  seed?: Seed;
}

/**
 * BicycleGAN's generator G(A, z): a UNet whose latent code z [N, nz] is tiled and
 * concatenated to the input only (`G_Unet_add_input`: a UNet on in + nz channels) or to the input of every down convolution (`G_Unet_add_all`, the default).
 * NHWC in and out, tanh output; sides must be multiples of 2^numDowns.
 */
export class UnetZGenerator extends Module {
  /**
   * `model`, the outermost block, as the reference's G_Unet_add_all / G_Unet_add_input:
   * their key names (`model.model.0.weight`, ...).
   */
  readonly model: UnetSkipConnectionBlock | UnetBlockWithZ;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly nz: number;
  readonly numDowns: number;
  readonly whereAdd: WhereAdd;

  constructor(options?: UnetZGeneratorOptions) {
    super();
    const where = 'UnetZGenerator';
    const o = readOptions(
      options,
      where,
      '{ inChannels, outChannels, nz, numDowns, ngf, norm, dropout, whereAdd }',
    );
    this.inChannels = positiveInt(o.inChannels ?? 3, 'inChannels', where);
    this.outChannels = positiveInt(o.outChannels ?? 3, 'outChannels', where);
    this.nz = positiveInt(o.nz ?? 8, 'nz', where);
    this.numDowns = positiveInt(o.numDowns ?? 8, 'numDowns', where);
    if (this.numDowns < 5)
      throw new ShapeError(`${where}: numDowns must be at least 5, got ${this.numDowns}`);
    this.whereAdd = oneOf(o.whereAdd ?? 'all', WHERE_ADD, 'whereAdd', where);
    const ngf = positiveInt(o.ngf ?? 64, 'ngf', where);
    const norm = o.norm ?? 'instance';
    const dropout = booleanOption(o.dropout ?? false, 'dropout', where);
    this.model =
      this.whereAdd === 'input'
        ? this.#addInput(ngf, ganNorm(norm, where), dropout, o.seed)
        : this.#addAll(ngf, ganNorm(norm, where), dropout, o.seed);
  }

  /**
   * `G_Unet_add_input`: pix2pix's UNet on in + nz channels, except that the reference's
   * UnetBlock puts the skip last (`cat([model(x), x])`) and keeps every bias.
   */
  #addInput(ngf: number, norm: ReturnType<typeof ganNorm>, dropout: boolean, seed?: Seed) {
    const where = 'UnetZGenerator';
    let level = this.numDowns - 1;
    const s = () => forkSeed(seed, `level${level--}`, where);
    const common = { norm, skip: 'last', bias: true } as const;
    let block = new UnetSkipConnectionBlock({
      ...common,
      outerChannels: ngf * 8,
      innerChannels: ngf * 8,
      level: 'innermost',
      seed: s(),
    });
    for (let i = 0; i < this.numDowns - 5; i++) {
      block = new UnetSkipConnectionBlock({
        ...common,
        outerChannels: ngf * 8,
        innerChannels: ngf * 8,
        submodule: block,
        level: 'middle',
        dropout,
        seed: s(),
      });
    }
    for (const mult of [4, 2, 1]) {
      block = new UnetSkipConnectionBlock({
        ...common,
        outerChannels: ngf * mult,
        innerChannels: ngf * mult * 2,
        submodule: block,
        level: 'middle',
        seed: s(),
      });
    }
    return new UnetSkipConnectionBlock({
      ...common,
      inputChannels: this.inChannels + this.nz,
      outerChannels: this.outChannels,
      innerChannels: ngf,
      submodule: block,
      level: 'outermost',
      seed: s(),
    });
  }

  /** `G_Unet_add_all`, built from the inside out as the reference. */
  #addAll(ngf: number, norm: ReturnType<typeof ganNorm>, dropout: boolean, seed?: Seed) {
    const where = 'UnetZGenerator';
    let level = this.numDowns - 1;
    const s = () => forkSeed(seed, `level${level--}`, where);
    const common = { nz: this.nz, norm };
    let block = new UnetBlockWithZ({
      ...common,
      inputChannels: ngf * 8,
      outerChannels: ngf * 8,
      innerChannels: ngf * 8,
      level: 'innermost',
      seed: s(),
    });
    for (let i = 0; i < this.numDowns - 5; i++) {
      block = new UnetBlockWithZ({
        ...common,
        inputChannels: ngf * 8,
        outerChannels: ngf * 8,
        innerChannels: ngf * 8,
        submodule: block,
        level: 'middle',
        dropout,
        seed: s(),
      });
    }
    for (const mult of [4, 2, 1]) {
      block = new UnetBlockWithZ({
        ...common,
        inputChannels: ngf * mult,
        outerChannels: ngf * mult,
        innerChannels: ngf * mult * 2,
        submodule: block,
        level: 'middle',
        seed: s(),
      });
    }
    return new UnetBlockWithZ({
      ...common,
      inputChannels: this.inChannels,
      outerChannels: this.outChannels,
      innerChannels: ngf,
      submodule: block,
      level: 'outermost',
      seed: s(),
    });
  }

  forward(x: tf.Tensor, z: tf.Tensor): tf.Tensor4D {
    const where = 'UnetZGenerator';
    const input = checkNHWC(x, where, this.inChannels);
    const [n, h, w] = input.shape;
    const multiple = 2 ** this.numDowns;
    if (h % multiple !== 0 || w % multiple !== 0) {
      throw new ShapeError(
        `${where}: height and width must be multiples of 2^numDowns = ${multiple}, got ${h}x${w}`,
      );
    }
    if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[0] !== n || z.shape[1] !== this.nz) {
      throw new ShapeError(
        `${where}: z must be [${n}, ${this.nz}], got ${z instanceof tf.Tensor ? `[${z.shape.join(', ')}]` : typeof z}`,
      );
    }
    const code = z as tf.Tensor2D;
    if (this.model instanceof UnetSkipConnectionBlock)
      return this.model.forward(concatLatent(input, code));
    return this.model.forward(input, code);
  }
}
