import { Conv2d } from '@atelier/blocks';
import { ArgumentError, describe, Module, type Rng, Sequential, tf } from '@atelier/core';

export interface SceneEncoderOptions {
  /** Feature maps of the first level; level i has features · 2^i. */
  features: number;
  /** Stride-2 levels: the output is 1/2^levels of the input's side. */
  levels: number;
}

/** He-uniform weights (bound √(6 / fan_in)) for layers followed by a ReLU. */
export function heConv(cin: number, cout: number, kernelSize: number, seed: Rng, stride = 1) {
  const conv = new Conv2d({
    inChannels: cin,
    outChannels: cout,
    kernelSize,
    stride,
    padding: kernelSize === 4 ? 1 : (kernelSize - 1) / 2,
    seed,
  });
  // PyTorch's default bound is √(1 / fan_in): √6 times it keeps ReLU stacks from fading.
  conv.weight.assign(tf.tidy(() => tf.mul(conv.weight, Math.sqrt(6))));
  return conv;
}

export function checkNetInts(where: string, values: Record<string, number>, min = 1): void {
  for (const [key, value] of Object.entries(values))
    if (!Number.isSafeInteger(value) || value < min)
      throw new ArgumentError(
        `${where}: ${key} must be an integer >= ${min}, got ${describe(value)}`,
      );
}

/**
 * The encoder of the transfer task's encoder-decoders, as Taskonomy's (fully
 * convolutional, no pooling, a spatial representation) but small: per level a 3×3 conv
 * and a k4 s2 p1 conv, each with ReLU, channels doubling from `features`. It takes RGB
 * in [0, 1] (mapped to [-1, 1] inside) and gives [N, H / 2^levels, W / 2^levels,
 * features · 2^(levels − 1)]. Keys `model.0.weight`, `model.2.weight`, ...
 */
export class SceneEncoder extends Module {
  readonly model: Sequential;
  readonly outChannels: number;
  readonly levels: number;

  constructor(options: SceneEncoderOptions, seed: Rng) {
    super();
    checkNetInts('SceneEncoder', { features: options.features, levels: options.levels });
    const { features, levels } = options;
    const relu = (x: tf.Tensor) => tf.relu(x);
    const layers: (Module | ((x: tf.Tensor) => tf.Tensor))[] = [];
    let cin = 3;
    for (let i = 0; i < levels; i++) {
      const c = features * 2 ** i;
      layers.push(heConv(cin, c, 3, seed.fork(`conv${i}a`)), relu);
      layers.push(heConv(c, c, 4, seed.fork(`conv${i}b`), 2), relu);
      cin = c;
    }
    this.model = new Sequential(layers);
    this.outChannels = cin;
    this.levels = levels;
  }

  forward(images: tf.Tensor4D): tf.Tensor4D {
    return this.model.forward(tf.sub(tf.mul(images, 2), 1)) as tf.Tensor4D;
  }
}
