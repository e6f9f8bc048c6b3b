import { Module, tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { type ActivationSpec, makeActivation } from '../factories/activation.js';
import { Sigmoid } from '../layers/activations.js';
import { Conv2d } from '../layers/conv2d.js';
import { forkSeed, type Seed } from '../seed.js';

export interface AttentionOptions {
  /** Channels of the squeezed representation = round(channels / reduction); default 16. */
  reduction?: number;
  /** Or the squeezed channel count directly. */
  rdChannels?: number;
  activation?: ActivationSpec;
  seed?: Seed;
}

/** The squeezed width: rdChannels, or channels / reduction rounded, at least 1. */
export function reducedChannels(
  channels: number,
  options: AttentionOptions,
  where: string,
): number {
  if (options.rdChannels !== undefined) return positiveInt(options.rdChannels, 'rdChannels', where);
  const reduction = positiveInt(options.reduction ?? 16, 'reduction', where);
  return Math.max(1, Math.round(channels / reduction));
}

/**
 * Squeeze-and-excitation (Hu et al.), as timm's SEModule: global average pool, 1x1 conv
 * down to rdChannels, ReLU, 1x1 conv back up, sigmoid gate multiplying each channel.
 * State: `fc1.*`, `fc2.*` (1x1 convs with bias).
 */
export class SqueezeExcitation extends Module {
  readonly fc1: Conv2d;
  readonly act: Module;
  readonly fc2: Conv2d;
  readonly gate: Module;
  readonly channels: number;

  constructor(channels: number, options: AttentionOptions = {}) {
    super();
    const where = 'SqueezeExcitation';
    this.channels = positiveInt(channels, 'channels', where);
    const rd = reducedChannels(channels, options, where);
    this.fc1 = new Conv2d({
      inChannels: channels,
      outChannels: rd,
      kernelSize: 1,
      seed: forkSeed(options.seed, 'fc1', where),
    });
    this.act = makeActivation(options.activation ?? 'relu', where);
    this.fc2 = new Conv2d({
      inChannels: rd,
      outChannels: channels,
      kernelSize: 1,
      seed: forkSeed(options.seed, 'fc2', where),
    });
    this.gate = new Sigmoid();
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'SqueezeExcitation', this.channels);
    const squeezed = tf.mean(input, [1, 2], true);
    const weights = this.gate.forward(
      this.fc2.forward(this.act.forward(this.fc1.forward(squeezed))),
    );
    return tf.mul(input, weights);
  }
}
