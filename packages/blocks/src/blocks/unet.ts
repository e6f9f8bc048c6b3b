import {
  ArgumentError,
  describe,
  isModule,
  Module,
  Sequential,
  ShapeError,
  tf,
} from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import type { ActivationSpec } from '../factories/activation.js';
import type { NormSpec } from '../factories/norm.js';
import { ConvTranspose2d } from '../layers/conv-transpose2d.js';
import { MaxPool2d } from '../layers/pooling.js';
import { Upsample } from '../layers/upsample.js';
import { forkSeed, type Seed } from '../seed.js';
import { ConvNormAct } from './conv-norm-act.js';
import { conv1x1 } from './separable-conv.js';

/** Makes the block of a level: inChannels -> outChannels at constant size. */
export type LevelBlock = (
  inChannels: number,
  outChannels: number,
  level: number,
  seed: Seed,
) => Module;
/** Halves the size at the start of level `level` (1..depth), keeping the channels. */
export type DownLayer = (channels: number, level: number, seed: Seed) => Module;
/** Doubles the size from level `level + 1` to `level`: inChannels -> outChannels. */
export type UpLayer = (
  inChannels: number,
  outChannels: number,
  level: number,
  seed: Seed,
) => Module;

export interface UNetOptions {
  inChannels: number;
  outChannels: number;
  /** Number of downsamplings; the input's height and width must divide by 2^depth. */
  depth: number;
  /** Channels per level 0..depth (depth + 1 entries), or the level-0 width doubled per level (default 64). */
  channels?: number[] | number;
  /** The block of every level, encoder and decoder; default two 3x3 ConvNormAct. */
  block?: LevelBlock;
  /** 'maxpool' (default), 'stride' (a 3x3 stride-2 ConvNormAct) or a maker. */
  down?: 'maxpool' | 'stride' | DownLayer;
  /** 'transpose' (2x2 stride-2 transposed conv, default), 'bilinear' or 'nearest' (upsample + 1x1 conv), or a maker. */
  up?: 'transpose' | 'bilinear' | 'nearest' | UpLayer;
  /** For the default block and down layer; default 'batch'. */
  norm?: NormSpec;
  /** For the default block and down layer; default 'relu'. */
  activation?: ActivationSpec;
  seed?: Seed;
}

function checkMade(made: unknown, what: string): Module {
  if (!isModule(made))
    throw new ArgumentError(`UNet: the ${what} maker must return a Module, got ${describe(made)}`);
  return made;
}

/**
 * A generic UNet (Ronneberger et al.): an encoder of depth + 1 levels, each a block,
 * separated by downsamplings; a decoder that upsamples, concatenates the encoder's
 * output of the same level (skip first, then the upsampled, as pix2pix) and runs a
 * block; a 1x1 conv head. Any depth, any block per level. State: `encoders.i`,
 * `downs.i`, `ups.i`, `decoders.i`, `head`.
 */
export class UNet extends Module {
  readonly encoders: Module[];
  readonly downs: Module[];
  readonly ups: Module[];
  readonly decoders: Module[];
  readonly head: Module;
  readonly inChannels: number;
  readonly depth: number;
  readonly channels: number[];

  constructor(options: UNetOptions) {
    super();
    const where = 'UNet';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `${where}: expected options { inChannels, outChannels, depth, ... }, got ${describe(options)}`,
      );
    }
    this.inChannels = positiveInt(options.inChannels, 'inChannels', where);
    const outChannels = positiveInt(options.outChannels, 'outChannels', where);
    this.depth = positiveInt(options.depth, 'depth', where);
    const given = options.channels ?? 64;
    if (Array.isArray(given)) {
      if (given.length !== this.depth + 1) {
        throw new ArgumentError(
          `${where}: channels must list depth + 1 = ${this.depth + 1} levels, got ${given.length} (${describe(given)})`,
        );
      }
      this.channels = given.map((c, i) => positiveInt(c, `channels[${i}]`, where));
    } else {
      const base = positiveInt(given, 'channels', where);
      this.channels = Array.from({ length: this.depth + 1 }, (_, i) => base * 2 ** i);
    }
    const norm = options.norm ?? 'batch';
    const activation = options.activation ?? 'relu';
    const block: LevelBlock =
      options.block ??
      ((inC, outC, _level, seed) => {
        const first = new ConvNormAct({
          inChannels: inC,
          outChannels: outC,
          norm,
          activation,
          seed: forkSeed(seed, '0', where),
        });
        const second = new ConvNormAct({
          inChannels: outC,
          outChannels: outC,
          norm,
          activation,
          seed: forkSeed(seed, '1', where),
        });
        return new Sequential([first, second]);
      });
    const down = options.down ?? 'maxpool';
    const makeDown: DownLayer =
      typeof down === 'function'
        ? down
        : down === 'maxpool'
          ? () => new MaxPool2d({ kernelSize: 2 })
          : down === 'stride'
            ? (c, _level, seed) =>
                new ConvNormAct({
                  inChannels: c,
                  outChannels: c,
                  stride: 2,
                  norm,
                  activation,
                  seed,
                })
            : invalid('down', down);
    const up = options.up ?? 'transpose';
    const makeUp: UpLayer =
      typeof up === 'function'
        ? up
        : up === 'transpose'
          ? (inC, outC, _level, seed) =>
              new ConvTranspose2d({
                inChannels: inC,
                outChannels: outC,
                kernelSize: 2,
                stride: 2,
                seed,
              })
          : up === 'bilinear' || up === 'nearest'
            ? (inC, outC, _level, seed) => new UpsampleConv(up, inC, outC, seed)
            : invalid('up', up);

    const c = this.channels;
    this.encoders = c.map((outC, level) =>
      checkMade(
        block(
          level === 0 ? this.inChannels : c[level - 1]!,
          outC,
          level,
          forkSeed(options.seed, `encoders.${level}`, where),
        ),
        'block',
      ),
    );
    this.downs = c
      .slice(1)
      .map((_, i) =>
        checkMade(makeDown(c[i]!, i + 1, forkSeed(options.seed, `downs.${i}`, where)), 'down'),
      );
    // Decoder level l (depth - 1 .. 0) is stored at index l: ups.l takes level l + 1 to l.
    this.ups = c
      .slice(0, -1)
      .map((outC, level) =>
        checkMade(
          makeUp(c[level + 1]!, outC, level, forkSeed(options.seed, `ups.${level}`, where)),
          'up',
        ),
      );
    this.decoders = c
      .slice(0, -1)
      .map((outC, level) =>
        checkMade(
          block(2 * outC, outC, level, forkSeed(options.seed, `decoders.${level}`, where)),
          'block',
        ),
      );
    this.head = conv1x1(c[0]!, outChannels, { seed: forkSeed(options.seed, 'head', where) });
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'UNet', this.inChannels);
    const [, h, w] = input.shape;
    const multiple = 2 ** this.depth;
    if (h % multiple !== 0 || w % multiple !== 0) {
      throw new ShapeError(
        `UNet: height and width must be multiples of 2^depth = ${multiple} (depth ${this.depth}), got ${h}x${w}`,
      );
    }
    const skips: tf.Tensor[] = [];
    let y: tf.Tensor = input;
    for (let level = 0; level <= this.depth; level++) {
      if (level > 0) y = this.downs[level - 1]!.forward(y);
      y = this.encoders[level]!.forward(y);
      skips.push(y);
    }
    for (let level = this.depth - 1; level >= 0; level--) {
      const upsampled = this.ups[level]!.forward(y);
      y = this.decoders[level]!.forward(tf.concat([skips[level]!, upsampled], 3));
    }
    return this.head.forward(y) as tf.Tensor4D;
  }
}

function invalid(what: string, value: unknown): never {
  throw new ArgumentError(
    `UNet: ${what} must be one of the named choices or a maker function, got ${describe(value)}`,
  );
}

/** Upsample x2 then a 1x1 conv to the level's channels. State: `conv.*`. */
class UpsampleConv extends Module {
  readonly upsample: Upsample;
  readonly conv: Module;
  constructor(mode: 'bilinear' | 'nearest', inC: number, outC: number, seed: Seed) {
    super();
    this.upsample = new Upsample({ scaleFactor: 2, mode });
    this.conv = conv1x1(inC, outC, { seed });
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.conv.forward(this.upsample.forward(x));
  }
}
