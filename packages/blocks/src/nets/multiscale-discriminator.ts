import { Module, type tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { AvgPool2d } from '../layers/pooling.js';
import { forkSeed, type Seed } from '../seed.js';
import type { GanNorm } from './gan-norm.js';
import { readOptions } from './options.js';
import { PatchDiscriminator } from './patch-discriminator.js';

export interface MultiscaleDiscriminatorOptions {
  inChannels?: number;
  /** Filters of the full-resolution PatchGAN's first conv; scale i has round(ndf / 2^i). */
  ndf?: number;
  /** Stride-2 convs of each PatchGAN: 3 for basic_256_multi, 2 for basic_128_multi. */
  nLayers?: number;
  /** Number of scales; default 2 (BicycleGAN's num_Ds). */
  numD?: number;
  /** Default 'instance'. */
  norm?: GanNorm;
  seed?: Seed;
}

/**
 * BicycleGAN's `D_NLayersMulti` (basic_256_multi, basic_128_multi): `numD` PatchGANs,
 * the first on the image, each next on the previous input average-pooled by
 * AvgPool2d(3, stride 2, padding 1, count_include_pad false), with half the filters.
 * Returns one logit map per scale, full resolution first; a loss sums over them.
 */
export class MultiscaleDiscriminator extends Module {
  readonly scales: PatchDiscriminator[];
  readonly down: AvgPool2d;
  readonly inChannels: number;

  constructor(options?: MultiscaleDiscriminatorOptions) {
    super();
    const where = 'MultiscaleDiscriminator';
    const o = readOptions(options, where, '{ inChannels, ndf, nLayers, numD, norm }');
    this.inChannels = positiveInt(o.inChannels ?? 3, 'inChannels', where);
    const ndf = positiveInt(o.ndf ?? 64, 'ndf', where);
    const numD = positiveInt(o.numD ?? 2, 'numD', where);
    const nLayers = positiveInt(o.nLayers ?? 3, 'nLayers', where);
    this.scales = Array.from(
      { length: numD },
      (_, i) =>
        new PatchDiscriminator({
          inChannels: this.inChannels,
          ndf: Math.max(1, Math.round(ndf / 2 ** i)),
          nLayers,
          norm: o.norm ?? 'instance',
          seed: forkSeed(o.seed, `model_${i}`, where),
        }),
    );
    this.down = new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false });
  }

  forward(x: tf.Tensor): tf.Tensor4D[] {
    let input = checkNHWC(x, 'MultiscaleDiscriminator', this.inChannels);
    const out: tf.Tensor4D[] = [];
    for (let i = 0; i < this.scales.length; i++) {
      out.push(this.scales[i]!.forward(input));
      if (i < this.scales.length - 1) input = this.down.forward(input);
    }
    return out;
  }
}
