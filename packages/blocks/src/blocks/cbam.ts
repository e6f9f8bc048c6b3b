import { Module, tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { makeActivation } from '../factories/activation.js';
import { makeNorm, type NormSpec } from '../factories/norm.js';
import { Conv2d } from '../layers/conv2d.js';
import { forkSeed } from '../seed.js';
import { type AttentionOptions, reducedChannels } from './squeeze-excitation.js';

/** CBAM's channel gate: a shared MLP (1x1 convs) on the average- and max-pooled features. */
export class ChannelGate extends Module {
  readonly fc1: Conv2d;
  readonly act: Module;
  readonly fc2: Conv2d;
  readonly channels: number;

  constructor(channels: number, options: AttentionOptions = {}) {
    super();
    const where = 'ChannelGate';
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
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const mlp = (t: tf.Tensor) => this.fc2.forward(this.act.forward(this.fc1.forward(t)));
    const gate = tf.sigmoid(tf.add(mlp(tf.mean(x, [1, 2], true)), mlp(tf.max(x, [1, 2], true))));
    return tf.mul(x, gate);
  }
}

/**
 * CBAM's spatial gate: [mean, max] over channels -> 7x7 conv (no bias) -> norm ->
 * sigmoid, multiplying every pixel.
 */
export class SpatialGate extends Module {
  readonly conv: Conv2d;
  readonly bn: Module;

  constructor(
    options: { kernelSize?: number; norm?: NormSpec; seed?: AttentionOptions['seed'] } = {},
  ) {
    super();
    const k = options.kernelSize ?? 7;
    this.conv = new Conv2d({
      inChannels: 2,
      outChannels: 1,
      kernelSize: k,
      padding: Math.floor((k - 1) / 2),
      bias: false,
      seed: forkSeed(options.seed, 'conv', 'SpatialGate'),
    });
    this.bn = makeNorm(options.norm ?? 'batch', 1, 'SpatialGate');
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const pooled = tf.concat([tf.mean(x, 3, true), tf.max(x, 3, true)], 3);
    return tf.mul(x, tf.sigmoid(this.bn.forward(this.conv.forward(pooled))));
  }
}

export interface CbamOptions extends AttentionOptions {
  /** Of the spatial gate's conv; default 7. */
  spatialKernelSize?: number;
  /** After the spatial gate's conv; default 'batch' (the paper's). */
  spatialNorm?: NormSpec;
}

/**
 * Convolutional block attention module (Woo et al.): a channel gate, then a spatial
 * gate. State: `channel.fc1.*`, `channel.fc2.*`, `spatial.conv.weight`, `spatial.bn.*`.
 */
export class Cbam extends Module {
  readonly channel: ChannelGate;
  readonly spatial: SpatialGate;
  readonly channels: number;

  constructor(channels: number, options: CbamOptions = {}) {
    super();
    this.channels = positiveInt(channels, 'channels', 'Cbam');
    this.channel = new ChannelGate(channels, {
      ...options,
      seed: forkSeed(options.seed, 'channel', 'Cbam'),
    });
    this.spatial = new SpatialGate({
      kernelSize: options.spatialKernelSize,
      norm: options.spatialNorm,
      seed: forkSeed(options.seed, 'spatial', 'Cbam'),
    });
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'Cbam', this.channels);
    return this.spatial.forward(this.channel.forward(input));
  }
}
