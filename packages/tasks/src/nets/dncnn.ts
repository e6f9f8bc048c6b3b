import { BatchNorm2d, Conv2d } from '@atelier/blocks';
import { ArgumentError, describe, Module, type Rng, Sequential, tf } from '@atelier/core';

export interface DnCnnOptions {
  /** Image channels (1 grey, 3 colour). */
  channels: number;
  /** Convolutional layers in all; the paper's 17 for a known σ. */
  depth: number;
  /** Feature maps of the inner layers; the paper's 64. */
  features: number;
}

/**
 * DnCNN (Zhang et al. 2017): Conv3 + ReLU, depth − 2 × (Conv3 + BatchNorm + ReLU),
 * Conv3 to the image's channels. It predicts the noise (residual learning): the
 * denoised image is y − R(y). Layers sit in one `model` list, so keys read
 * `model.0.weight`, `model.2.weight`, `model.3.running_mean`, ... as in KAIR's DnCNN.
 */
export class DnCnn extends Module {
  readonly model: Sequential;

  constructor(options: DnCnnOptions, seed: Rng) {
    super();
    const { channels, depth, features } = options;
    for (const [key, min] of [
      ['channels', 1],
      ['depth', 2],
      ['features', 1],
    ] as const) {
      if (!Number.isSafeInteger(options[key]) || options[key] < min)
        throw new ArgumentError(
          `DnCnn: ${key} must be an integer >= ${min}, got ${describe(options[key])}`,
        );
    }
    const conv = (inChannels: number, outChannels: number, bias: boolean, i: number) =>
      new Conv2d({
        inChannels,
        outChannels,
        kernelSize: 3,
        padding: 1,
        bias,
        seed: seed.fork(`conv${i}`),
      });
    const relu = (x: tf.Tensor) => tf.relu(x);
    const layers: (Module | ((x: tf.Tensor) => tf.Tensor))[] = [
      conv(channels, features, true, 0),
      relu,
    ];
    for (let i = 1; i < depth - 1; i++)
      layers.push(
        conv(features, features, false, i),
        new BatchNorm2d(features, { eps: 1e-4, momentum: 0.05 }),
        relu,
      );
    const tail = conv(features, channels, false, depth - 1);
    // The residual starts near zero (a tenth of PyTorch's default scale): the first
    // steps refine the identity instead of undoing a large random residual.
    tail.weight.assign(tf.tidy(() => tf.mul(tail.weight, 0.1)));
    layers.push(tail);
    this.model = new Sequential(layers);
  }

  /** The predicted noise R(y). */
  residual(noisy: tf.Tensor4D): tf.Tensor4D {
    return this.model.forward(noisy) as tf.Tensor4D;
  }

  /** The denoised image y − R(y). */
  forward(noisy: tf.Tensor4D): tf.Tensor4D {
    return tf.sub(noisy, this.residual(noisy));
  }
}
