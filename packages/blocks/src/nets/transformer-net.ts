import { Module, ShapeError, tf } from '@atelier/core';
import { checkNHWC } from '../checks.js';
import { Conv2d } from '../layers/conv2d.js';
import { InstanceNorm2d } from '../layers/instance-norm2d.js';
import { Upsample } from '../layers/upsample.js';
import { forkSeed, type Seed } from '../seed.js';
import { readOptions } from './options.js';

/**
 * A conv after a reflection padding of kernel // 2. The reference's ReflectionPad2d
 * holds no state, so the conv's own reflect padding stands in for it.
 */
function reflectionConv(
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  stride: number,
  seed?: Seed,
): Conv2d {
  return new Conv2d({
    inChannels,
    outChannels,
    kernelSize,
    stride,
    padding: Math.floor(kernelSize / 2),
    paddingMode: 'reflect',
    seed,
  });
}

/** fast_neural_style's `ConvLayer`: reflection padding of kernel // 2, then a conv. */
export class ConvLayer extends Module {
  readonly conv2d: Conv2d;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    stride: number,
    seed?: Seed,
  ) {
    super();
    this.conv2d = reflectionConv(inChannels, outChannels, kernelSize, stride, seed);
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    return this.conv2d.forward(x);
  }
}

/** fast_neural_style's `ResidualBlock`: x + in2(conv2(relu(in1(conv1(x))))). */
export class ResidualBlock extends Module {
  readonly conv1: ConvLayer;
  readonly in1: InstanceNorm2d;
  readonly conv2: ConvLayer;
  readonly in2: InstanceNorm2d;

  constructor(channels: number, seed?: Seed) {
    super();
    this.conv1 = new ConvLayer(channels, channels, 3, 1, forkSeed(seed, 'conv1', 'ResidualBlock'));
    this.in1 = new InstanceNorm2d(channels, { affine: true });
    this.conv2 = new ConvLayer(channels, channels, 3, 1, forkSeed(seed, 'conv2', 'ResidualBlock'));
    this.in2 = new InstanceNorm2d(channels, { affine: true });
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const y = tf.relu(this.in1.forward(this.conv1.forward(x)));
    return tf.add(this.in2.forward(this.conv2.forward(y)), x);
  }
}

/** fast_neural_style's `UpsampleConvLayer`: nearest x2, then a reflection-padded conv. */
export class UpsampleConvLayer extends Module {
  readonly conv2d: Conv2d;
  readonly #upsample = new Upsample({ scaleFactor: 2, mode: 'nearest' });

  constructor(inChannels: number, outChannels: number, kernelSize: number, seed?: Seed) {
    super();
    this.conv2d = reflectionConv(inChannels, outChannels, kernelSize, 1, seed);
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    return this.conv2d.forward(this.#upsample.forward(x));
  }
}

export interface TransformerNetOptions {
  seed?: Seed;
}

/**
 * Johnson et al.'s image transformation network as pytorch/examples fast_neural_style
 * builds it, NHWC: RGB in [0, 255] in, RGB of about that range out (no output
 * activation). Conv9 (32) -> two stride-2 Conv3 (64, 128) -> five residual blocks ->
 * two nearest-x2 + Conv3 (64, 32) -> Conv9 (3); reflection padding and affine
 * instance norm throughout. 1,679,235 parameters. Sizes that are not multiples of 4
 * come back rounded up to multiples of 4, as in the reference. Keys as the reference
 * (`conv1.conv2d.weight`, `in1.weight`, `res1.conv1.conv2d.weight`, ...); the
 * `in*.running_mean`/`running_var` that old PyTorch versions saved (the pretrained
 * candy, mosaic, rain_princess, udnie) are dropped on load.
 *
 * @example
 * const net = new TransformerNet({ seed: 42 });
 * const styled = net.forward(tf.zeros([1, 256, 256, 3])); // RGB in [0, 255] in and out
 */
export class TransformerNet extends Module {
  readonly conv1: ConvLayer;
  readonly in1: InstanceNorm2d;
  readonly conv2: ConvLayer;
  readonly in2: InstanceNorm2d;
  readonly conv3: ConvLayer;
  readonly in3: InstanceNorm2d;
  readonly res1: ResidualBlock;
  readonly res2: ResidualBlock;
  readonly res3: ResidualBlock;
  readonly res4: ResidualBlock;
  readonly res5: ResidualBlock;
  readonly deconv1: UpsampleConvLayer;
  readonly in4: InstanceNorm2d;
  readonly deconv2: UpsampleConvLayer;
  readonly in5: InstanceNorm2d;
  readonly deconv3: ConvLayer;

  constructor(options?: TransformerNetOptions) {
    super();
    const where = 'TransformerNet';
    const { seed } = readOptions(options, where, '{ seed }');
    const s = (label: string) => forkSeed(seed, label, where);
    const norm = (c: number) => new InstanceNorm2d(c, { affine: true });
    this.conv1 = new ConvLayer(3, 32, 9, 1, s('conv1'));
    this.in1 = norm(32);
    this.conv2 = new ConvLayer(32, 64, 3, 2, s('conv2'));
    this.in2 = norm(64);
    this.conv3 = new ConvLayer(64, 128, 3, 2, s('conv3'));
    this.in3 = norm(128);
    this.res1 = new ResidualBlock(128, s('res1'));
    this.res2 = new ResidualBlock(128, s('res2'));
    this.res3 = new ResidualBlock(128, s('res3'));
    this.res4 = new ResidualBlock(128, s('res4'));
    this.res5 = new ResidualBlock(128, s('res5'));
    this.deconv1 = new UpsampleConvLayer(128, 64, 3, s('deconv1'));
    this.in4 = norm(64);
    this.deconv2 = new UpsampleConvLayer(64, 32, 3, s('deconv2'));
    this.in5 = norm(32);
    this.deconv3 = new ConvLayer(32, 3, 9, 1, s('deconv3'));
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'TransformerNet', 3);
    const [, h, w] = input.shape;
    // The 9x9 reflection pad needs more than 4 pixels, and the residual blocks' pad of
    // 1 at a quarter of the size at least 2.
    if (h < 5 || w < 5) {
      throw new ShapeError(`TransformerNet: height and width must be at least 5, got ${h}x${w}`);
    }
    let y = tf.relu(this.in1.forward(this.conv1.forward(input)));
    y = tf.relu(this.in2.forward(this.conv2.forward(y)));
    y = tf.relu(this.in3.forward(this.conv3.forward(y)));
    for (const res of [this.res1, this.res2, this.res3, this.res4, this.res5]) y = res.forward(y);
    y = tf.relu(this.in4.forward(this.deconv1.forward(y)));
    y = tf.relu(this.in5.forward(this.deconv2.forward(y)));
    return this.deconv3.forward(y);
  }
}
