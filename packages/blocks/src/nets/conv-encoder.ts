import { type Module, Sequential, ShapeError, type tf } from '@atelier/core';
import { positiveInt } from '../checks.js';
import { LeakyReLU } from '../layers/activations.js';
import { Conv2d } from '../layers/conv2d.js';
import { forkSeed, type Seed } from '../seed.js';
import { type GanNorm, ganNorm } from './gan-norm.js';
import { LatentEncoder } from './latent-encoder.js';
import { readOptions } from './options.js';

export interface ConvEncoderOptions {
  inChannels?: number;
  /** Length of z; default 8. */
  nz?: number;
  /** Default 64. */
  nef?: number;
  /** Input side, a power of two >= 16: 256 (conv_256, 5 convs), 128 (conv_128, 4). */
  size?: number;
  /** Default 'instance'. */
  norm?: GanNorm;
  seed?: Seed;
}

/**
 * BicycleGAN's `E_NLayers` (conv_256, conv_128, and smaller): Conv k4 s2 to nef and
 * LeakyReLU(0.2), then Conv k4 s2 to nef·min(2^n, 4) with norm and LeakyReLU until the
 * map is 8x8, the average, and μ, log σ² heads. NHWC.
 */
export class ConvEncoder extends LatentEncoder {
  readonly conv: Sequential;

  constructor(options?: ConvEncoderOptions) {
    const where = 'ConvEncoder';
    const o = readOptions(options, where, '{ inChannels, nz, nef, size, norm }');
    const size = positiveInt(o.size ?? 256, 'size', where);
    const nLayers = Math.log2(size) - 3;
    if (!Number.isInteger(nLayers) || nLayers < 1)
      throw new ShapeError(`${where}: size must be a power of two >= 16, got ${size}`);
    const nef = positiveInt(o.nef ?? 64, 'nef', where);
    const out = nef * Math.min(2 ** (nLayers - 1), 4);
    super(
      positiveInt(o.inChannels ?? 3, 'inChannels', where),
      positiveInt(o.nz ?? 8, 'nz', where),
      out,
      size,
      o.seed,
    );
    const norm = ganNorm(o.norm ?? 'instance', where);
    const conv = (cin: number, cout: number, n: number) =>
      new Conv2d({
        inChannels: cin,
        outChannels: cout,
        kernelSize: 4,
        stride: 2,
        padding: 1,
        seed: forkSeed(o.seed, `conv${n}`, where),
      });
    const layers: Module[] = [conv(this.inChannels, nef, 0), new LeakyReLU({ alpha: 0.2 })];
    let mult = 1;
    for (let n = 1; n < nLayers; n++) {
      const prev = mult;
      mult = Math.min(2 ** n, 4);
      layers.push(
        conv(nef * prev, nef * mult, n),
        norm.layer(nef * mult),
        new LeakyReLU({ alpha: 0.2 }),
      );
    }
    this.conv = new Sequential(layers);
  }

  protected trunk(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.forward(x) as tf.Tensor4D;
  }
}
