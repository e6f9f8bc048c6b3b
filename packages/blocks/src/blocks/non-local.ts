import { Module, Sequential, tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { makeNorm, type NormSpec } from '../factories/norm.js';
import { Conv2d } from '../layers/conv2d.js';
import { MaxPool2d } from '../layers/pooling.js';
import { forkSeed, type Seed } from '../seed.js';

export interface NonLocalOptions {
  /** Channels of theta, phi and g; default channels / 2 (at least 1). */
  interChannels?: number;
  /** Max-pool (2x2) phi and g to a quarter of the positions; default false. */
  subSample?: boolean;
  /** After the output projection W; default 'batch' (W = [conv, norm]); 'none': W is the conv. */
  norm?: NormSpec;
  seed?: Seed;
}

/**
 * The non-local block (Wang et al.), embedded Gaussian form:
 * y_i = sum_j softmax_j(theta(x_i) . phi(x_j)) g(x_j), z = W(y) + x. W's last layer
 * (the norm's scale and shift, or the conv without a norm) starts at zero, so the block
 * begins as the identity. State (the names of the common PyTorch implementation):
 * `g`, `theta`, `phi` (1x1 convs; `g.0`, `phi.0` when sub-sampled) and `W.0`, `W.1`
 * (or `W` alone without a norm).
 */
export class NonLocalBlock extends Module {
  readonly g: Module;
  readonly theta: Conv2d;
  readonly phi: Module;
  readonly W: Module;
  readonly channels: number;

  constructor(channels: number, options: NonLocalOptions = {}) {
    super();
    const where = 'NonLocalBlock';
    this.channels = positiveInt(channels, 'channels', where);
    const inter = positiveInt(
      options.interChannels ?? Math.max(1, Math.floor(channels / 2)),
      'interChannels',
      where,
    );
    const embed = (name: string) =>
      new Conv2d({
        inChannels: channels,
        outChannels: inter,
        kernelSize: 1,
        seed: forkSeed(options.seed, name, where),
      });
    const pooled = (name: string): Module =>
      options.subSample
        ? new Sequential([embed(name), new MaxPool2d({ kernelSize: 2 })])
        : embed(name);
    this.g = pooled('g');
    this.theta = embed('theta');
    this.phi = pooled('phi');
    const project = new Conv2d({
      inChannels: inter,
      outChannels: channels,
      kernelSize: 1,
      seed: forkSeed(options.seed, 'W', where),
    });
    const norm = options.norm ?? 'batch';
    if (norm === 'none') {
      tf.tidy(() => {
        project.weight.assign(tf.zerosLike(project.weight));
        project.bias!.assign(tf.zerosLike(project.bias!));
      });
      this.W = project;
    } else {
      const made = makeNorm(norm, channels, where);
      zeroAffine(made);
      this.W = new Sequential([project, made]);
    }
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'NonLocalBlock', this.channels);
    const [n, h, w] = input.shape;
    const tokens = (t: tf.Tensor) => {
      const s = t.shape as number[];
      return tf.reshape(t, [n, s[1]! * s[2]!, s[3]!]) as tf.Tensor3D;
    };
    const theta = tokens(this.theta.forward(input));
    const phi = tokens(this.phi.forward(input));
    const g = tokens(this.g.forward(input));
    const attention = tf.softmax(tf.matMul(theta, phi, false, true));
    const y = tf.reshape(tf.matMul(attention, g), [n, h, w, -1]);
    return tf.add(this.W.forward(y), input);
  }
}

/** Zeroes a norm's scale and shift (`weight`, `bias`) where it has them. */
function zeroAffine(norm: Module): void {
  tf.tidy(() => {
    for (const [name, v] of norm.namedParameters()) {
      if (name === 'weight' || name === 'bias') v.assign(tf.zerosLike(v));
    }
  });
}
