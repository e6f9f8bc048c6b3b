import { Module, Sequential, type tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { LeakyReLU } from '../layers/activations.js';
import { Conv2d } from '../layers/conv2d.js';
import { forkSeed, type Seed } from '../seed.js';
import { type GanNorm, ganNorm } from './gan-norm.js';
import { readOptions } from './options.js';

export interface PixelDiscriminatorOptions {
  /** Default 3. */
  inChannels?: number;
  /** Default 64. */
  ndf?: number;
  /** Default 'batch'. */
  norm?: GanNorm;
  seed?: Seed;
}

/**
 * The 1x1 PatchGAN ("PixelGAN") of junyanz's `PixelDiscriminator`, NHWC: 1x1 convs
 * ndf (biased) -> LeakyReLU(0.2) -> 2ndf -> norm -> LeakyReLU(0.2) -> 1, a logit per
 * pixel. Keys `net.0`, `net.2`, `net.3`, `net.5`.
 */
export class PixelDiscriminator extends Module {
  readonly net: Sequential;
  readonly inChannels: number;
  readonly ndf: number;
  readonly norm: GanNorm;

  constructor(options?: PixelDiscriminatorOptions) {
    super();
    const where = 'PixelDiscriminator';
    const o = readOptions(options, where, '{ inChannels, ndf, norm }');
    this.inChannels = positiveInt(o.inChannels ?? 3, 'inChannels', where);
    this.ndf = positiveInt(o.ndf ?? 64, 'ndf', where);
    const norm = ganNorm(o.norm, where);
    this.norm = norm.name;
    const conv = (cin: number, cout: number, bias: boolean, label: string) =>
      new Conv2d({
        inChannels: cin,
        outChannels: cout,
        kernelSize: 1,
        bias,
        seed: forkSeed(o.seed, label, where),
      });
    const ndf = this.ndf;
    this.net = new Sequential([
      conv(this.inChannels, ndf, true, 'conv0'),
      new LeakyReLU({ alpha: 0.2 }),
      conv(ndf, ndf * 2, norm.convBias, 'conv1'),
      norm.layer(ndf * 2),
      new LeakyReLU({ alpha: 0.2 }),
      conv(ndf * 2, 1, norm.convBias, 'conv2'),
    ]);
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    return this.net.forward(checkNHWC(x, 'PixelDiscriminator', this.inChannels)) as tf.Tensor4D;
  }
}
