import { ArgumentError, describe, Module, type Rng, rng, ShapeError, tf } from '@atelier/core';
import { Conv2d } from '../layers/conv2d.js';
import { type EqualizedLr, equalizedLr } from '../layers/equalized-lr.js';
import { Linear } from '../layers/linear.js';
import { PixelNorm } from '../layers/pixel-norm.js';
import {
  checkLevel,
  fade,
  type ProganLevel,
  proganFmaps,
  proganLevels,
  upscale2d,
} from './progan-resample.js';

export interface ProganNetOptions {
  /** Target side, 4·2^k. */
  size: number;
  /** Image channels (default 3). */
  channels?: number;
  /** networks.py fmap_base (8192) and fmap_max (512): maps min(base / 2^(log2 res − 1), max). */
  fmapBase?: number;
  fmapMax?: number;
  seed?: number | Rng;
}

/** An equalised-lr convolution (weights N(0, 1), scaled by gain / sqrt(fan in) at run time). */
export function eqConv(
  inChannels: number,
  outChannels: number,
  kernelSize: 1 | 3,
  seed: Rng,
  gain = Math.SQRT2,
): EqualizedLr<Conv2d> {
  return equalizedLr(
    new Conv2d({ inChannels, outChannels, kernelSize, padding: kernelSize === 3 ? 1 : 0, seed }),
    { gain, seed: seed.fork('wscale') },
  );
}

export function eqLinear(
  inFeatures: number,
  outFeatures: number,
  seed: Rng,
  gain = Math.SQRT2,
): EqualizedLr<Linear> {
  return equalizedLr(new Linear({ inFeatures, outFeatures, seed }), {
    gain,
    seed: seed.fork('wscale'),
  });
}

export const lrelu = (x: tf.Tensor): tf.Tensor => tf.leakyRelu(x, 0.2);

/** One resolution of G: nearest ×2, then two 3×3 convolutions, each LReLU then pixel norm. */
export class ProganGBlock extends Module {
  readonly conv0: EqualizedLr<Conv2d>;
  readonly conv1: EqualizedLr<Conv2d>;
  readonly #norm = new PixelNorm();

  constructor(inChannels: number, outChannels: number, seed: Rng) {
    super();
    this.conv0 = eqConv(inChannels, outChannels, 3, seed.fork('conv0'));
    this.conv1 = eqConv(outChannels, outChannels, 3, seed.fork('conv1'));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const a = this.#norm.forward(lrelu(this.conv0.forward(upscale2d(x))));
    return this.#norm.forward(lrelu(this.conv1.forward(a))) as tf.Tensor4D;
  }
}

export function resolveNet(options: ProganNetOptions, where: string) {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`${where}: expected options { size, ... }, got ${describe(options)}`);
  }
  const levels = proganLevels(options.size, where);
  const int = (v: unknown, fallback: number, name: string) => {
    const x = v ?? fallback;
    if (!Number.isSafeInteger(x) || (x as number) < 1)
      throw new ArgumentError(`${where}: ${name} must be an integer >= 1, got ${describe(v)}`);
    return x as number;
  };
  const channels = int(options.channels, 3, 'channels');
  const fmapBase = int(options.fmapBase, 8192, 'fmapBase');
  const fmapMax = int(options.fmapMax, 512, 'fmapMax');
  const seed =
    typeof options.seed === 'object' && options.seed !== null
      ? options.seed
      : rng(options.seed ?? 0);
  return {
    levels,
    channels,
    seed,
    fmapBase,
    fmapMax,
    nf: (resolution: number) => proganFmaps(resolution, fmapBase, fmapMax),
  };
}

/**
 * ProGAN's generator (Karras et al. 2018, networks.py G_paper, structure 'linear') for
 * every level of detail at once: pixel-normalised z -> dense to 4×4 (gain √2/4) -> 3×3
 * conv, then one `ProganGBlock` per doubling, a 1×1 toRGB (gain 1, linear output) per
 * level. At level L with α < 1 the output is α·toRGB_L + (1 − α)·upscale(toRGB_{L−1}).
 * Equalised learning rate everywhere, pixel norm after every convolution, LReLU 0.2.
 * It runs at the level's resolution 4·2^L (the reference upsamples that to the full
 * size by nearest neighbour; the discriminator's box downscaling undoes it exactly).
 */
export class ProganGenerator extends Module {
  readonly dense: EqualizedLr<Linear>;
  readonly conv: EqualizedLr<Conv2d>;
  readonly blocks: ProganGBlock[];
  readonly toRGB: EqualizedLr<Conv2d>[];
  readonly latentDim: number;
  readonly levels: number;
  readonly size: number;
  readonly #norm = new PixelNorm();
  readonly #base: number;

  constructor(options: ProganNetOptions & { latentDim?: number }) {
    super();
    const where = 'ProganGenerator';
    const o = resolveNet(options, where);
    const latent = options.latentDim ?? 512;
    if (!Number.isSafeInteger(latent) || latent < 1)
      throw new ArgumentError(
        `${where}: latentDim must be an integer >= 1, got ${describe(latent)}`,
      );
    this.latentDim = latent;
    this.levels = o.levels;
    this.size = options.size;
    this.#base = o.nf(4);
    this.dense = eqLinear(latent, this.#base * 16, o.seed.fork('dense'), Math.SQRT2 / 4);
    this.conv = eqConv(this.#base, this.#base, 3, o.seed.fork('conv'));
    this.blocks = [];
    this.toRGB = [eqConv(this.#base, o.channels, 1, o.seed.fork('toRGB0'), 1)];
    for (let l = 1; l <= o.levels; l++) {
      const res = 4 * 2 ** l;
      this.blocks.push(new ProganGBlock(o.nf(res / 2), o.nf(res), o.seed.fork(`block${l}`)));
      this.toRGB.push(eqConv(o.nf(res), o.channels, 1, o.seed.fork(`toRGB${l}`), 1));
    }
  }

  /** z [N, latentDim] at `at` -> images [N, 4·2^level, 4·2^level, channels] (about [-1, 1]). */
  forward(z: tf.Tensor, at: ProganLevel = { level: this.levels, alpha: 1 }): tf.Tensor4D {
    const where = 'ProganGenerator';
    if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[1] !== this.latentDim) {
      throw new ShapeError(`${where}: expected z [N, ${this.latentDim}], got ${describe(z)}`);
    }
    const { level, alpha } = checkLevel(at, this.levels, where);
    const n = z.shape[0]!;
    let x = this.#norm.forward(
      lrelu(tf.reshape(this.dense.forward(this.#norm.forward(z)), [n, 4, 4, this.#base])),
    ) as tf.Tensor4D;
    x = this.#norm.forward(lrelu(this.conv.forward(x))) as tf.Tensor4D;
    if (level === 0) return this.toRGB[0]!.forward(x) as tf.Tensor4D;
    for (let l = 1; l < level; l++) x = this.blocks[l - 1]!.forward(x);
    const fresh = this.toRGB[level]!.forward(this.blocks[level - 1]!.forward(x));
    if (alpha === 1) return fresh as tf.Tensor4D;
    const previous = upscale2d(this.toRGB[level - 1]!.forward(x) as tf.Tensor4D);
    return fade(previous, fresh, alpha) as tf.Tensor4D;
  }

  /** The parameters a forward at `at` leaves out (higher levels, unused toRGB layers). */
  idleParameters(at: ProganLevel): tf.Variable[] {
    const used = new Set<tf.Variable>([
      ...this.dense.parameters(),
      ...this.conv.parameters(),
      ...this.toRGB[at.level]!.parameters(),
      ...(at.alpha < 1 ? this.toRGB[at.level - 1]!.parameters() : []),
      ...this.blocks.slice(0, at.level).flatMap((b) => b.parameters()),
    ]);
    return this.parameters().filter((v) => !used.has(v));
  }
}
