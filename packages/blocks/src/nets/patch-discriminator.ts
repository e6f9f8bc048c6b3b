import { type Layer, Module, Sequential, ShapeError, type tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { LeakyReLU } from '../layers/activations.js';
import { Conv2d } from '../layers/conv2d.js';
import { forkSeed, type Seed } from '../seed.js';
import { type GanNorm, ganNorm } from './gan-norm.js';
import { readOptions } from './options.js';

export interface PatchDiscriminatorOptions {
  /** Default 3; pix2pix's discriminator sees cat(A, B): 6. */
  inChannels?: number;
  /** Filters of the first conv; default 64. */
  ndf?: number;
  /** Stride-2 convs after the first (3: the 70x70 PatchGAN, the default). */
  nLayers?: number;
  /** Default 'batch'. */
  norm?: GanNorm;
  seed?: Seed;
}

/**
 * The PatchGAN discriminator of pix2pix and CycleGAN, junyanz's `NLayerDiscriminator`,
 * NHWC: k4 p1 convs, ndf (stride 2, biased, no norm) then min(2^n, 8)·ndf for n = 1..
 * nLayers-1 (stride 2) and n = nLayers (stride 1), each with norm and LeakyReLU(0.2),
 * then one stride-1 conv to one channel: a map of logits, one per overlapping patch
 * (30x30 for a 256x256 input at nLayers 3, each seeing 70x70 pixels). No sigmoid.
 * Keys as the reference: `model.0`, `model.2`, `model.3`, ... `model.11`.
 *
 * @example
 * const D = new PatchDiscriminator({ inChannels: 6, ndf: 64, nLayers: 3, norm: 'batch' });
 * const logits = D.forward(tf.concat([a, b], 3)); // [1, 30, 30, 1] for 256x256 pairs
 */
export class PatchDiscriminator extends Module {
  readonly model: Sequential;
  readonly inChannels: number;
  readonly ndf: number;
  readonly nLayers: number;
  readonly norm: GanNorm;

  constructor(options?: PatchDiscriminatorOptions) {
    super();
    const where = 'PatchDiscriminator';
    const o = readOptions(options, where, '{ inChannels, ndf, nLayers, norm }');
    this.inChannels = positiveInt(o.inChannels ?? 3, 'inChannels', where);
    this.ndf = positiveInt(o.ndf ?? 64, 'ndf', where);
    this.nLayers = positiveInt(o.nLayers ?? 3, 'nLayers', where);
    const norm = ganNorm(o.norm, where);
    this.norm = norm.name;
    const ndf = this.ndf;
    const conv = (cin: number, cout: number, stride: number, bias: boolean, label: string) =>
      new Conv2d({
        inChannels: cin,
        outChannels: cout,
        kernelSize: 4,
        stride,
        padding: 1,
        bias,
        seed: forkSeed(o.seed, label, where),
      });
    const layers: Layer[] = [
      conv(this.inChannels, ndf, 2, true, 'conv0'),
      new LeakyReLU({ alpha: 0.2 }),
    ];
    let mult = 1;
    for (let n = 1; n <= this.nLayers; n++) {
      const prev = mult;
      mult = Math.min(2 ** n, 8);
      const stride = n < this.nLayers ? 2 : 1;
      layers.push(
        conv(ndf * prev, ndf * mult, stride, norm.convBias, `conv${n}`),
        norm.layer(ndf * mult),
        new LeakyReLU({ alpha: 0.2 }),
      );
    }
    layers.push(conv(ndf * mult, 1, 1, true, 'out'));
    this.model = new Sequential(layers);
  }

  /** The size [h, w] of the logit map for an input of h x w. */
  outputSize(h: number, w: number): [number, number] {
    // k4 p1: stride 2 gives floor(s / 2), stride 1 gives s - 1.
    const down = (s: number) => {
      for (let i = 0; i < this.nLayers; i++) s = Math.floor(s / 2);
      return s - 2;
    };
    return [down(h), down(w)];
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'PatchDiscriminator', this.inChannels);
    const [, h, w] = input.shape;
    const [oh, ow] = this.outputSize(h, w);
    if (oh < 1 || ow < 1) {
      const min = 2 ** this.nLayers * 3;
      throw new ShapeError(
        `PatchDiscriminator: an input of ${h}x${w} is too small for nLayers ${this.nLayers} (at least ${min}x${min} gives one patch)`,
      );
    }
    return this.model.forward(input) as tf.Tensor4D;
  }
}
