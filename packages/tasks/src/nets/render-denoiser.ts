import { Conv2d } from '@atelier/blocks';
import { ArgumentError, describe, Module, type Rng, Sequential, tf } from '@atelier/core';

export interface RenderDenoiserOptions {
  /** Input channels: 3 (the noisy render alone) or more (render + auxiliary buffers). */
  inChannels: number;
  /** Convolutional layers in all. */
  depth: number;
  /** Feature maps of the inner layers. */
  features: number;
}

/**
 * A residual convolutional denoiser for renders, DnCNN-style without batch norm (the
 * batches are small and the inputs' statistics vary from scene to scene): Conv3 + ReLU,
 * depth − 2 × (Conv3 + ReLU), Conv3 to 3 channels. Its input is the noisy colour
 * (log-compressed) followed by any auxiliary buffers; it predicts a correction to the
 * colour, so the output is colour + R(input). Keys `model.0.weight`, `model.2.weight`, ...
 */
export class RenderDenoiser extends Module {
  readonly model: Sequential;
  readonly inChannels: number;

  constructor(options: RenderDenoiserOptions, seed: Rng) {
    super();
    for (const [key, min] of [
      ['inChannels', 3],
      ['depth', 2],
      ['features', 1],
    ] as const) {
      if (!Number.isSafeInteger(options[key]) || options[key] < min)
        throw new ArgumentError(
          `RenderDenoiser: ${key} must be an integer >= ${min}, got ${describe(options[key])}`,
        );
    }
    const { inChannels, depth, features } = options;
    this.inChannels = inChannels;
    // He initialisation (uniform bound √(6 / fan_in), √6 times PyTorch's default) for
    // the ReLU layers: with the default the residual branch starts so quiet that
    // training sits on the identity for hundreds of steps before it moves.
    const conv = (cin: number, cout: number, i: number) => {
      const c = new Conv2d({
        inChannels: cin,
        outChannels: cout,
        kernelSize: 3,
        padding: 1,
        seed: seed.fork(`conv${i}`),
      });
      c.weight.assign(tf.tidy(() => tf.mul(c.weight, Math.sqrt(6))));
      return c;
    };
    const relu = (x: tf.Tensor) => tf.relu(x);
    const layers: (Module | ((x: tf.Tensor) => tf.Tensor))[] = [
      conv(inChannels, features, 0),
      relu,
    ];
    for (let i = 1; i < depth - 1; i++) layers.push(conv(features, features, i), relu);
    const tail = conv(features, 3, depth - 1);
    // The correction starts near zero (PyTorch's default scale / 10): the first steps
    // refine the identity.
    tail.weight.assign(tf.tidy(() => tf.mul(tail.weight, 0.1 / Math.sqrt(6))));
    layers.push(tail);
    this.model = new Sequential(layers);
  }

  /** The denoised colour [N, H, W, 3] from inputs [N, H, W, inChannels] whose first 3 channels are the colour. */
  forward(input: tf.Tensor4D): tf.Tensor4D {
    const colour = tf.slice(input, [0, 0, 0, 0], [-1, -1, -1, 3]);
    return tf.add(colour, this.model.forward(input)) as tf.Tensor4D;
  }
}
