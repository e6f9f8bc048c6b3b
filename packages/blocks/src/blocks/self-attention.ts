import { Module, parameter, tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import { Conv2d } from '../layers/conv2d.js';
import { forkSeed, type Seed } from '../seed.js';

export interface SelfAttentionOptions {
  /** Query/key channels = channels / reduction (at least 1); default 8, as SAGAN. */
  reduction?: number;
  seed?: Seed;
}

/**
 * SAGAN's self-attention (Zhang et al.): every position attends to every other,
 * attention = softmax_j(q_i . k_j), out_i = sum_j attention_ij v_j, and the block
 * returns gamma * out + x with a learned gamma starting at 0, so it begins as the
 * identity. State: `query_conv.*`, `key_conv.*`, `value_conv.*` (1x1 convs), `gamma`
 * ([1]), the names of the reference implementation.
 */
export class SelfAttention extends Module {
  readonly query_conv: Conv2d;
  readonly key_conv: Conv2d;
  readonly value_conv: Conv2d;
  readonly gamma: tf.Variable;
  readonly channels: number;

  constructor(channels: number, options: SelfAttentionOptions = {}) {
    super();
    const where = 'SelfAttention';
    this.channels = positiveInt(channels, 'channels', where);
    const reduced = Math.max(
      1,
      Math.floor(channels / positiveInt(options.reduction ?? 8, 'reduction', where)),
    );
    const conv = (out: number, name: string) =>
      new Conv2d({
        inChannels: channels,
        outChannels: out,
        kernelSize: 1,
        seed: forkSeed(options.seed, name, where),
      });
    this.query_conv = conv(reduced, 'query_conv');
    this.key_conv = conv(reduced, 'key_conv');
    this.value_conv = conv(channels, 'value_conv');
    this.gamma = parameter(tf.zeros([1]));
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'SelfAttention', this.channels);
    const [n, h, w, c] = input.shape;
    const tokens = (t: tf.Tensor) => tf.reshape(t, [n, h * w, -1]) as tf.Tensor3D;
    const q = tokens(this.query_conv.forward(input));
    const k = tokens(this.key_conv.forward(input));
    const v = tokens(this.value_conv.forward(input));
    const attention = tf.softmax(tf.matMul(q, k, false, true)); // [n, hw, hw], rows sum to 1
    const out = tf.reshape(tf.matMul(attention, v), [n, h, w, c]);
    return tf.add(tf.mul(out, this.gamma), input);
  }
}
