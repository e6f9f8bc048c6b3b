import { describe, Module, ShapeError, tf } from '@atelier/core';
import type { Conv2d } from '../layers/conv2d.js';
import type { EqualizedLr } from '../layers/equalized-lr.js';
import type { Linear } from '../layers/linear.js';
import { MinibatchStddev } from '../layers/minibatch-stddev.js';
import { eqConv, eqLinear, lrelu, type ProganNetOptions, resolveNet } from './progan-generator.js';
import { checkLevel, downscale2d, fade, type ProganLevel } from './progan-resample.js';

/** One resolution of D: two 3×3 convolutions with LReLU, then 2×2 box downscaling. */
export class ProganDBlock extends Module {
  readonly conv0: EqualizedLr<Conv2d>;
  readonly conv1: EqualizedLr<Conv2d>;

  constructor(channels: number, outChannels: number, seed: import('@atelier/core').Rng) {
    super();
    this.conv0 = eqConv(channels, channels, 3, seed.fork('conv0'));
    this.conv1 = eqConv(channels, outChannels, 3, seed.fork('conv1'));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return downscale2d(lrelu(this.conv1.forward(lrelu(this.conv0.forward(x)))) as tf.Tensor4D);
  }
}

/**
 * ProGAN's discriminator (networks.py D_paper, structure 'linear'), the generator's
 * mirror: a 1×1 fromRGB (LReLU) per level, one `ProganDBlock` per halving, and at 4×4
 * minibatch standard deviation (group 4) -> 3×3 conv -> dense to nf(0) -> dense to one
 * score (gain 1). At level L with α < 1 the features entering level L − 1 are
 * α·block_L(fromRGB_L(x)) + (1 − α)·fromRGB_{L−1}(downscale(x)). No output activation
 * (a WGAN critic).
 */
export class ProganDiscriminator extends Module {
  readonly fromRGB: EqualizedLr<Conv2d>[];
  readonly blocks: ProganDBlock[];
  readonly mbstd: MinibatchStddev;
  readonly conv: EqualizedLr<Conv2d>;
  readonly dense0: EqualizedLr<Linear>;
  readonly dense1: EqualizedLr<Linear>;
  readonly levels: number;
  readonly channels: number;

  constructor(options: ProganNetOptions & { groupSize?: number }) {
    super();
    const o = resolveNet(options, 'ProganDiscriminator');
    this.levels = o.levels;
    this.channels = o.channels;
    const base = o.nf(4);
    this.fromRGB = [eqConv(o.channels, base, 1, o.seed.fork('fromRGB0'))];
    this.blocks = [];
    for (let l = 1; l <= o.levels; l++) {
      const res = 4 * 2 ** l;
      this.fromRGB.push(eqConv(o.channels, o.nf(res), 1, o.seed.fork(`fromRGB${l}`)));
      this.blocks.push(new ProganDBlock(o.nf(res), o.nf(res / 2), o.seed.fork(`block${l}`)));
    }
    this.mbstd = new MinibatchStddev({ groupSize: options.groupSize ?? 4 });
    this.conv = eqConv(base + 1, base, 3, o.seed.fork('conv'));
    this.dense0 = eqLinear(base * 16, o.nf(2), o.seed.fork('dense0'));
    this.dense1 = eqLinear(o.nf(2), 1, o.seed.fork('dense1'), 1);
  }

  /** Images [N, 4·2^level, 4·2^level, channels] at `at` -> scores [N, 1]. */
  forward(x: tf.Tensor, at: ProganLevel = { level: this.levels, alpha: 1 }): tf.Tensor2D {
    const where = 'ProganDiscriminator';
    const { level, alpha } = checkLevel(at, this.levels, where);
    const side = 4 * 2 ** level;
    if (
      !(x instanceof tf.Tensor) ||
      x.rank !== 4 ||
      x.shape[1] !== side ||
      x.shape[2] !== side ||
      x.shape[3] !== this.channels
    ) {
      throw new ShapeError(
        `${where}: at level ${level} expected images [N, ${side}, ${side}, ${this.channels}], got ${describe(x)}`,
      );
    }
    const image = x as tf.Tensor4D;
    let h = lrelu(this.fromRGB[level]!.forward(image)) as tf.Tensor4D;
    if (level > 0) {
      h = this.blocks[level - 1]!.forward(h);
      if (alpha < 1) {
        const previous = lrelu(this.fromRGB[level - 1]!.forward(downscale2d(image)));
        h = fade(previous, h, alpha) as tf.Tensor4D;
      }
      for (let l = level - 1; l >= 1; l--) h = this.blocks[l - 1]!.forward(h);
    }
    const n = h.shape[0];
    const c = lrelu(this.conv.forward(this.mbstd.forward(h)));
    const d = lrelu(this.dense0.forward(tf.reshape(c, [n, -1])));
    return this.dense1.forward(d) as tf.Tensor2D;
  }

  /** The parameters a forward at `at` leaves out. */
  idleParameters(at: ProganLevel): tf.Variable[] {
    const used = new Set<tf.Variable>([
      ...this.fromRGB[at.level]!.parameters(),
      ...(at.alpha < 1 ? this.fromRGB[at.level - 1]!.parameters() : []),
      ...this.blocks.slice(0, at.level).flatMap((b) => b.parameters()),
      ...this.conv.parameters(),
      ...this.dense0.parameters(),
      ...this.dense1.parameters(),
    ]);
    return this.parameters().filter((v) => !used.has(v));
  }
}
