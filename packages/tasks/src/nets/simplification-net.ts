import { BatchNorm2d, Conv2d, ConvTranspose2d } from '@atelier/blocks';
import { ArgumentError, describe, Module, type Rng, Sequential, tf } from '@atelier/core';

/**
 * The layers of Simo-Serra et al.'s sketch simplification network ("Learning to
 * Simplify", SIGGRAPH 2016), in order: [kind, kernel, stride, output channels].
 * 'up' is a k4 s2 p1 transposed convolution; the last conv has no norm and a sigmoid.
 */
const LAYERS: readonly (readonly ['conv' | 'up', number, number, number])[] = [
  ['conv', 5, 2, 48],
  ['conv', 3, 1, 128],
  ['conv', 3, 1, 128],
  ['conv', 3, 2, 256],
  ['conv', 3, 1, 256],
  ['conv', 3, 1, 256],
  ['conv', 3, 2, 256],
  ['conv', 3, 1, 512],
  ['conv', 3, 1, 1024],
  ['conv', 3, 1, 1024],
  ['conv', 3, 1, 1024],
  ['conv', 3, 1, 1024],
  ['conv', 3, 1, 512],
  ['conv', 3, 1, 256],
  ['up', 4, 2, 256],
  ['conv', 3, 1, 256],
  ['conv', 3, 1, 128],
  ['up', 4, 2, 128],
  ['conv', 3, 1, 128],
  ['conv', 3, 1, 48],
  ['up', 4, 2, 48],
  ['conv', 3, 1, 24],
  ['conv', 3, 1, 1],
];

/** The released model's input normalisation: mean and std of its training sketches. */
export const SKETCH_MEAN = 0.9664;
export const SKETCH_STD = 0.0858;

/** The fewest channels a narrowed layer keeps: at 1/8 width the last layers would have 3 and 6. */
export const MIN_CHANNELS = 8;

export interface SimplificationNetOptions {
  /**
   * Multiplies every layer's channels (1: the paper's; smaller for quick runs), at
   * least MIN_CHANNELS each: a ReLU layer of 3 channels before the output drops lines.
   */
  width: number;
}

/**
 * The fully convolutional simplification network: three stride-2 down-convolutions,
 * a flat stretch at 1/8 resolution, three up-convolutions; every layer but the last is
 * conv + BatchNorm + ReLU; the last is a 3×3 conv to one channel and a sigmoid. Input
 * and output are grey sketches [N, H, W, 1] in [0, 1] (white paper, dark lines), sides
 * multiples of 8; the input is normalised as the released model's.
 */
export class SimplificationNet extends Module {
  readonly model: Sequential;

  constructor(options: SimplificationNetOptions, seed: Rng) {
    super();
    const { width } = options;
    if (typeof width !== 'number' || !(width > 0) || width > 1)
      throw new ArgumentError(`SimplificationNet: width must be in (0, 1], got ${describe(width)}`);
    const layers: (Module | ((x: tf.Tensor) => tf.Tensor))[] = [];
    let channels = 1;
    LAYERS.forEach(([kind, kernel, stride, out], i) => {
      const last = i === LAYERS.length - 1;
      const c = last ? 1 : Math.max(MIN_CHANNELS, Math.round(out * width));
      const s = seed.fork(`layer${i}`);
      layers.push(
        kind === 'up'
          ? new ConvTranspose2d({
              inChannels: channels,
              outChannels: c,
              kernelSize: 4,
              stride: 2,
              padding: 1,
              seed: s,
            })
          : new Conv2d({
              inChannels: channels,
              outChannels: c,
              kernelSize: kernel,
              stride,
              padding: (kernel - 1) / 2,
              seed: s,
            }),
      );
      if (last) layers.push((x) => tf.sigmoid(x));
      else layers.push(new BatchNorm2d(c), (x) => tf.relu(x));
      channels = c;
    });
    this.model = new Sequential(layers);
  }

  forward(sketch: tf.Tensor4D): tf.Tensor4D {
    return this.model.forward(tf.div(tf.sub(sketch, SKETCH_MEAN), SKETCH_STD)) as tf.Tensor4D;
  }
}
