import {
  ArgumentError,
  describe,
  type Layer,
  Module,
  Sequential,
  ShapeError,
  tf,
} from '@atelier/core';
import { positiveInt } from '../checks.js';
import { ReLU, Tanh } from '../layers/activations.js';
import { BatchNorm2d } from '../layers/batch-norm2d.js';
import { ConvTranspose2d } from '../layers/conv-transpose2d.js';
import { forkSeed, type Seed } from '../seed.js';
import { type DcganSize, dcganSize } from './dcgan-size.js';
import { readOptions } from './options.js';

export interface DCGANGeneratorOptions {
  /** Length of z; default 100 (the tutorial's nz). */
  latentDim?: number;
  /** Filters of the last hidden layer; default 64. */
  ngf?: number;
  /** Default 3. */
  outChannels?: number;
  /** Output size, 32 or 64 (the default). */
  size?: DcganSize;
  seed?: Seed;
}

/**
 * The DCGAN generator of Radford et al. as the PyTorch DCGAN tutorial builds it, NHWC:
 * z -> ConvTranspose 4x4 (stride 1, no padding) to a 4x4 map of (size / 8)·ngf
 * channels, then ConvTranspose 4x4 stride 2 padding 1 halving the channels and
 * doubling the size down to ngf, each with batch norm and ReLU, and a last one to
 * `outChannels` with tanh. No biases. Keys `main.0.weight`, `main.1.running_mean`, ...
 * as the tutorial's `Generator`.
 *
 * @example
 * const G = new DCGANGenerator({ latentDim: 100, ngf: 64, outChannels: 3, size: 64 });
 * const images = G.forward(tf.randomNormal([16, 100])); // [16, 64, 64, 3] in [-1, 1]
 */
export class DCGANGenerator extends Module {
  readonly main: Sequential;
  readonly latentDim: number;
  readonly ngf: number;
  readonly outChannels: number;
  readonly size: DcganSize;

  constructor(options?: DCGANGeneratorOptions) {
    super();
    const where = 'DCGANGenerator';
    const o = readOptions(options, where, '{ latentDim, ngf, outChannels, size }');
    this.latentDim = positiveInt(o.latentDim ?? 100, 'latentDim', where);
    this.ngf = positiveInt(o.ngf ?? 64, 'ngf', where);
    this.outChannels = positiveInt(o.outChannels ?? 3, 'outChannels', where);
    this.size = dcganSize(o.size, where);
    const up = (cin: number, cout: number, first: boolean, label: string) =>
      new ConvTranspose2d({
        inChannels: cin,
        outChannels: cout,
        kernelSize: 4,
        stride: first ? 1 : 2,
        padding: first ? 0 : 1,
        bias: false,
        seed: forkSeed(o.seed, label, where),
      });
    const ngf = this.ngf;
    let mult = this.size / 8;
    const layers: Layer[] = [
      up(this.latentDim, ngf * mult, true, 'up0'),
      new BatchNorm2d(ngf * mult),
      new ReLU(),
    ];
    for (let i = 1; mult > 1; i++, mult /= 2) {
      layers.push(
        up(ngf * mult, (ngf * mult) / 2, false, `up${i}`),
        new BatchNorm2d((ngf * mult) / 2),
        new ReLU(),
      );
    }
    layers.push(up(ngf, this.outChannels, false, 'out'), new Tanh());
    this.main = new Sequential(layers);
  }

  /** z as [N, latentDim] (or [N, 1, 1, latentDim]) -> images [N, size, size, outChannels] in [-1, 1]. */
  forward(z: tf.Tensor): tf.Tensor4D {
    const where = 'DCGANGenerator';
    if (!(z instanceof tf.Tensor)) {
      throw new ArgumentError(
        `${where}: expected z of shape [N, ${this.latentDim}], got ${describe(z)}`,
      );
    }
    const flat = z.rank === 2 && z.shape[1] === this.latentDim;
    const image =
      z.rank === 4 && z.shape[1] === 1 && z.shape[2] === 1 && z.shape[3] === this.latentDim;
    if (!flat && !image) {
      throw new ShapeError(
        `${where}: expected z of shape [N, ${this.latentDim}] or [N, 1, 1, ${this.latentDim}], got ${describe(z)}`,
      );
    }
    if (z.dtype !== 'float32')
      throw new ArgumentError(`${where}: expected a float32 z, got ${z.dtype}`);
    return this.main.forward(tf.reshape(z, [z.shape[0]!, 1, 1, this.latentDim])) as tf.Tensor4D;
  }
}
