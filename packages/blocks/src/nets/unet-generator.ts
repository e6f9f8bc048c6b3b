import { Module, ShapeError, type tf } from '@atelier/core';
import { booleanOption, checkNHWC, positiveInt } from '../checks.js';
import { forkSeed, type Seed } from '../seed.js';
import { type GanNorm, ganNorm } from './gan-norm.js';
import { readOptions } from './options.js';
import { UnetSkipConnectionBlock } from './unet-skip-connection-block.js';

export interface UnetGeneratorOptions {
  /** Default 3. */
  inChannels?: number;
  /** Default 3. */
  outChannels?: number;
  /** Downsamplings: 8 is junyanz's unet_256, 7 unet_128; at least 5. Default 8. */
  numDowns?: number;
  /** Filters of the outermost conv; default 64. */
  ngf?: number;
  /** Default 'batch' (pix2pix). */
  norm?: GanNorm;
  /**
   * Dropout(0.5) in the ngf*8 blocks between the innermost and the three outer ones.
   * Default false, as junyanz's `define_G`; pix2pix's options turn it on (`--no_dropout`
   * unset), CycleGAN's leave it off.
   */
  dropout?: boolean;
  seed?: Seed;
}

/**
 * pix2pix's generator, junyanz's `UnetGenerator`: `numDowns` nested skip blocks
 * (channels ngf, 2ngf, 4ngf, then 8ngf down to a 1x1 bottleneck for an input of
 * 2^numDowns pixels), tanh output. NHWC in and out; height and width must be multiples
 * of 2^numDowns. Its state dict has the reference's keys (`model.model.1.model.3...`),
 * so a converted `latest_net_G.pth` loads with `loadStateDict(dict, { from: 'torch' })`.
 *
 * @example
 * const G = new UnetGenerator({ inChannels: 3, outChannels: 3, numDowns: 8, ngf: 64, norm: 'batch' });
 * const fake = G.forward(tf.zeros([1, 256, 256, 3])); // [1, 256, 256, 3] in [-1, 1]
 * G.loadStateDict(tensorsOfLatestNetG, { from: 'torch' }); // junyanz's pix2pix weights
 */
export class UnetGenerator extends Module {
  readonly model: UnetSkipConnectionBlock;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly numDowns: number;
  readonly ngf: number;
  readonly norm: GanNorm;
  readonly dropout: boolean;

  constructor(options?: UnetGeneratorOptions) {
    super();
    const where = 'UnetGenerator';
    const o = readOptions(
      options,
      where,
      '{ inChannels, outChannels, numDowns, ngf, norm, dropout }',
    );
    this.inChannels = positiveInt(o.inChannels ?? 3, 'inChannels', where);
    this.outChannels = positiveInt(o.outChannels ?? 3, 'outChannels', where);
    this.numDowns = positiveInt(o.numDowns ?? 8, 'numDowns', where);
    if (this.numDowns < 5) {
      throw new ShapeError(
        `${where}: numDowns must be at least 5 (the blocks ngf..8ngf and the innermost), got ${this.numDowns}`,
      );
    }
    this.ngf = positiveInt(o.ngf ?? 64, 'ngf', where);
    const norm = ganNorm(o.norm, where);
    this.norm = norm.name;
    this.dropout = booleanOption(o.dropout ?? false, 'dropout', where);
    const ngf = this.ngf;
    // Built from the inside out, as the reference; each level draws its own seed stream.
    const seed = (level: number) => forkSeed(o.seed, `level${level}`, where);
    let level = this.numDowns - 1;
    let block = new UnetSkipConnectionBlock({
      outerChannels: ngf * 8,
      innerChannels: ngf * 8,
      level: 'innermost',
      norm,
      seed: seed(level--),
    });
    for (let i = 0; i < this.numDowns - 5; i++) {
      block = new UnetSkipConnectionBlock({
        outerChannels: ngf * 8,
        innerChannels: ngf * 8,
        submodule: block,
        level: 'middle',
        norm,
        dropout: this.dropout,
        seed: seed(level--),
      });
    }
    for (const mult of [4, 2, 1]) {
      block = new UnetSkipConnectionBlock({
        outerChannels: ngf * mult,
        innerChannels: ngf * mult * 2,
        submodule: block,
        level: 'middle',
        norm,
        seed: seed(level--),
      });
    }
    this.model = new UnetSkipConnectionBlock({
      outerChannels: this.outChannels,
      innerChannels: ngf,
      inputChannels: this.inChannels,
      submodule: block,
      level: 'outermost',
      norm,
      seed: seed(level),
    });
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'UnetGenerator', this.inChannels);
    const [, h, w] = input.shape;
    const multiple = 2 ** this.numDowns;
    if (h % multiple !== 0 || w % multiple !== 0) {
      throw new ShapeError(
        `UnetGenerator: height and width must be multiples of 2^numDowns = ${multiple} (numDowns ${this.numDowns}), got ${h}x${w}`,
      );
    }
    return this.model.forward(input);
  }
}
