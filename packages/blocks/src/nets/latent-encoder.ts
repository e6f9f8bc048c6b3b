import { Module, Sequential, ShapeError, tf } from '@atelier/core';
import { checkNHWC } from '../checks.js';
import { Linear } from '../layers/linear.js';
import { forkSeed, type Seed } from '../seed.js';

/** An encoder's Gaussian posterior: mean and log variance, each [N, nz]. */
export interface LatentPosterior {
  mu: tf.Tensor2D;
  logvar: tf.Tensor2D;
}

/**
 * What BicycleGAN's encoders share: a convolutional trunk down to an 8x8 map, its
 * average (the reference's AvgPool2d(8) at the sizes it is built for), and two linear
 * heads `fc` (μ) and `fcVar` (log σ²). `side` is the input side the trunk reaches 8x8 at.
 */
export abstract class LatentEncoder extends Module {
  /** Sequentials of one Linear each: the reference's `fc.0`, `fcVar.0` keys. */
  readonly fc: Sequential;
  readonly fcVar: Sequential;
  readonly inChannels: number;
  readonly nz: number;
  readonly side: number;

  constructor(inChannels: number, nz: number, features: number, side: number, seed?: Seed) {
    super();
    this.inChannels = inChannels;
    this.nz = nz;
    this.side = side;
    const where = this.constructor.name;
    const head = (label: string) =>
      new Sequential([
        new Linear({ inFeatures: features, outFeatures: nz, seed: forkSeed(seed, label, where) }),
      ]);
    this.fc = head('fc');
    this.fcVar = head('fcVar');
  }

  /** The trunk: [N, side, side, C] to [N, 8, 8, features]. */
  protected abstract trunk(x: tf.Tensor4D): tf.Tensor4D;

  forward(x: tf.Tensor): LatentPosterior {
    const where = this.constructor.name;
    const input = checkNHWC(x, where, this.inChannels);
    const [, h, w] = input.shape;
    if (h !== this.side || w !== this.side) {
      throw new ShapeError(`${where}: expected ${this.side}x${this.side} images, got ${h}x${w}`);
    }
    const pooled = tf.mean(this.trunk(input), [1, 2]) as tf.Tensor2D;
    return {
      mu: this.fc.forward(pooled) as tf.Tensor2D,
      logvar: this.fcVar.forward(pooled) as tf.Tensor2D,
    };
  }
}
