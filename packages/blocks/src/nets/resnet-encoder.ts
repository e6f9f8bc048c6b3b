import { Module, Sequential, ShapeError, tf } from '@atelier/core';
import { positiveInt } from '../checks.js';
import { LeakyReLU } from '../layers/activations.js';
import { Conv2d } from '../layers/conv2d.js';
import { AvgPool2d } from '../layers/pooling.js';
import { forkSeed, type Seed } from '../seed.js';
import { type GanNorm, type GanNormChoice, ganNorm } from './gan-norm.js';
import { LatentEncoder } from './latent-encoder.js';
import { readOptions } from './options.js';

/**
 * BicycleGAN's `BasicBlock`: norm, LeakyReLU, conv3x3 (in to in), norm, LeakyReLU,
 * conv3x3 (in to out), AvgPool 2; plus a shortcut AvgPool 2 then conv1x1 (in to out).
 * Halves the side.
 */
export class EncoderBasicBlock extends Module {
  readonly conv: Sequential;
  readonly shortcut: Sequential;

  constructor(inChannels: number, outChannels: number, norm: GanNormChoice, seed?: Seed) {
    super();
    const where = 'EncoderBasicBlock';
    const conv = (cin: number, cout: number, k: number, label: string) =>
      new Conv2d({
        inChannels: cin,
        outChannels: cout,
        kernelSize: k,
        padding: (k - 1) / 2,
        seed: forkSeed(seed, label, where),
      });
    const pool = () => new AvgPool2d({ kernelSize: 2, stride: 2 });
    this.conv = new Sequential([
      norm.layer(inChannels),
      new LeakyReLU({ alpha: 0.2 }),
      conv(inChannels, inChannels, 3, 'conv1'),
      norm.layer(inChannels),
      new LeakyReLU({ alpha: 0.2 }),
      conv(inChannels, outChannels, 3, 'conv2'),
      pool(),
    ]);
    this.shortcut = new Sequential([pool(), conv(inChannels, outChannels, 1, 'shortcut')]);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.add(this.conv.forward(x), this.shortcut.forward(x)) as tf.Tensor4D;
  }
}

export interface ResnetEncoderOptions {
  inChannels?: number;
  /** Length of z; default 8. */
  nz?: number;
  /** Default 64. */
  nef?: number;
  /** Input side, a power of two >= 32: 256 (resnet_256, 4 blocks), 128 (resnet_128, 3). */
  size?: number;
  /** Default 'instance'. */
  norm?: GanNorm;
  seed?: Seed;
}

/**
 * BicycleGAN's `E_ResNet` (resnet_256, resnet_128, and smaller): Conv k4 s2 to nef,
 * residual blocks to nef·min(4, n+1), each halving the side down to 8x8, LeakyReLU(0.2),
 * the average, and μ, log σ² heads. NHWC.
 */
export class ResnetEncoder extends LatentEncoder {
  readonly conv: Sequential;

  constructor(options?: ResnetEncoderOptions) {
    const where = 'ResnetEncoder';
    const o = readOptions(options, where, '{ inChannels, nz, nef, size, norm }');
    const size = positiveInt(o.size ?? 256, 'size', where);
    const blocks = Math.log2(size) - 4;
    if (!Number.isInteger(blocks) || blocks < 1)
      throw new ShapeError(`${where}: size must be a power of two >= 32, got ${size}`);
    const nef = positiveInt(o.nef ?? 64, 'nef', where);
    const out = nef * Math.min(4, blocks + 1);
    super(
      positiveInt(o.inChannels ?? 3, 'inChannels', where),
      positiveInt(o.nz ?? 8, 'nz', where),
      out,
      size,
      o.seed,
    );
    const norm = ganNorm(o.norm ?? 'instance', where);
    const layers: Module[] = [
      new Conv2d({
        inChannels: this.inChannels,
        outChannels: nef,
        kernelSize: 4,
        stride: 2,
        padding: 1,
        seed: forkSeed(o.seed, 'conv0', where),
      }),
    ];
    for (let n = 1; n <= blocks; n++) {
      const cin = nef * Math.min(4, n);
      const cout = nef * Math.min(4, n + 1);
      layers.push(new EncoderBasicBlock(cin, cout, norm, forkSeed(o.seed, `block${n}`, where)));
    }
    layers.push(new LeakyReLU({ alpha: 0.2 }));
    this.conv = new Sequential(layers);
  }

  protected trunk(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.forward(x) as tf.Tensor4D;
  }
}
