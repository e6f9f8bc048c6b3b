import { type Layer, Module, Sequential, ShapeError, type tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { LeakyReLU } from '../layers/activations.js';
import { BatchNorm2d } from '../layers/batch-norm2d.js';
import { Conv2d } from '../layers/conv2d.js';
import { forkSeed, type Seed } from '../seed.js';
import { type DcganSize, dcganSize } from './dcgan-size.js';
import { readOptions } from './options.js';

export interface DCGANDiscriminatorOptions {
  /** Default 3. */
  inChannels?: number;
  /** Filters of the first conv; default 64. */
  ndf?: number;
  /** Input size, 32 or 64 (the default). */
  size?: DcganSize;
  seed?: Seed;
}

/**
 * The DCGAN discriminator of Radford et al. as the PyTorch DCGAN tutorial builds it,
 * NHWC: Conv 4x4 stride 2 padding 1 to ndf with LeakyReLU(0.2) (no norm), then convs
 * doubling the channels and halving the size down to 4x4, each with batch norm and
 * LeakyReLU(0.2), and a 4x4 conv without padding to one logit: [N, 1, 1, 1]. The
 * tutorial's final Sigmoid is left out (losses take logits; it holds no state, so the
 * keys `main.0.weight`, `main.2.weight`, `main.3.running_mean`, ... are unchanged).
 * No biases.
 */
export class DCGANDiscriminator extends Module {
  readonly main: Sequential;
  readonly inChannels: number;
  readonly ndf: number;
  readonly size: DcganSize;

  constructor(options?: DCGANDiscriminatorOptions) {
    super();
    const where = 'DCGANDiscriminator';
    const o = readOptions(options, where, '{ inChannels, ndf, size }');
    this.inChannels = positiveInt(o.inChannels ?? 3, 'inChannels', where);
    this.ndf = positiveInt(o.ndf ?? 64, 'ndf', where);
    this.size = dcganSize(o.size, where);
    const conv = (cin: number, cout: number, last: boolean, label: string) =>
      new Conv2d({
        inChannels: cin,
        outChannels: cout,
        kernelSize: 4,
        stride: last ? 1 : 2,
        padding: last ? 0 : 1,
        bias: false,
        seed: forkSeed(o.seed, label, where),
      });
    const ndf = this.ndf;
    const layers: Layer[] = [
      conv(this.inChannels, ndf, false, 'conv0'),
      new LeakyReLU({ alpha: 0.2 }),
    ];
    let mult = 1;
    for (let i = 1; mult < this.size / 8; i++, mult *= 2) {
      layers.push(
        conv(ndf * mult, ndf * mult * 2, false, `conv${i}`),
        new BatchNorm2d(ndf * mult * 2),
        new LeakyReLU({ alpha: 0.2 }),
      );
    }
    layers.push(conv(ndf * mult, 1, true, 'out'));
    this.main = new Sequential(layers);
  }

  /** Images [N, size, size, inChannels] -> logits [N, 1, 1, 1]. */
  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'DCGANDiscriminator', this.inChannels);
    const [, h, w] = input.shape;
    if (h !== this.size || w !== this.size) {
      throw new ShapeError(
        `DCGANDiscriminator: expected ${this.size}x${this.size} images (size ${this.size}), got ${h}x${w}`,
      );
    }
    return this.main.forward(input) as tf.Tensor4D;
  }
}
