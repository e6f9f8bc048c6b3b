import { ArgumentError, describe, Module, parameter, ShapeError, tf } from '@atelier/core';
import { positiveInt } from '../checks.js';
import { xavierUniform } from '../init/initializers.js';
import { Linear } from '../layers/linear.js';
import { forkSeed, type Seed } from '../seed.js';

export interface MultiHeadSelfAttentionOptions {
  /** Default 1; must divide the channel count. */
  numHeads?: number;
  seed?: Seed;
}

/**
 * Multi-head self-attention over spatial positions, PyTorch's nn.MultiheadAttention
 * with query = key = value = the pixels: an NHWC image [N, H, W, C] is read as
 * N sequences of H*W tokens of C features (tokens [N, L, C] are taken as they are), and
 * each head attends with softmax(q k^T / sqrt(C / heads)). Returns the attention output
 * (no residual), of the input's shape.
 *
 * State, as PyTorch's: `in_proj_weight` ([C, 3C]; PyTorch's (3C, C), q, k, v stacked),
 * `in_proj_bias` [3C], `out_proj.weight`, `out_proj.bias`; initialised as PyTorch
 * (Xavier uniform in-projection, zero biases).
 */
export class MultiHeadSelfAttention extends Module {
  readonly in_proj_weight: tf.Variable;
  readonly in_proj_bias: tf.Variable;
  readonly out_proj: Linear;
  readonly channels: number;
  readonly numHeads: number;

  constructor(channels: number, options: MultiHeadSelfAttentionOptions = {}) {
    super();
    const where = 'MultiHeadSelfAttention';
    this.channels = positiveInt(channels, 'channels', where);
    this.numHeads = positiveInt(options.numHeads ?? 1, 'numHeads', where);
    if (channels % this.numHeads !== 0) {
      throw new ArgumentError(
        `${where}: channels (${channels}) must be divisible by numHeads (${this.numHeads})`,
      );
    }
    this.in_proj_weight = parameter(
      xavierUniform([channels, 3 * channels], 'linear', {
        seed: forkSeed(options.seed, 'in_proj_weight', where),
      }),
      'linear',
    );
    this.in_proj_bias = parameter(tf.zeros([3 * channels]));
    this.out_proj = new Linear({
      inFeatures: channels,
      outFeatures: channels,
      seed: forkSeed(options.seed, 'out_proj', where),
    });
    tf.tidy(() => this.out_proj.bias!.assign(tf.zeros([channels])));
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!(x instanceof tf.Tensor)) {
      throw new ArgumentError(
        `MultiHeadSelfAttention: expected NHWC [N, H, W, C] or tokens [N, L, C], got ${describe(x)}`,
      );
    }
    const c = this.channels;
    if ((x.rank !== 4 && x.rank !== 3) || x.shape[x.rank - 1] !== c) {
      throw new ShapeError(
        `MultiHeadSelfAttention: expected NHWC [N, H, W, ${c}] or tokens [N, L, ${c}], got ${describe(x)}`,
      );
    }
    const n = x.shape[0]!;
    const length = x.rank === 4 ? x.shape[1]! * x.shape[2]! : x.shape[1]!;
    const heads = this.numHeads;
    const d = c / heads;
    const qkv = tf.add(
      tf.matMul(tf.reshape(x, [n * length, c]), this.in_proj_weight as tf.Tensor2D),
      this.in_proj_bias,
    );
    // [n*L, 3C] -> [3, n, heads, L, d]
    const split = tf.transpose(tf.reshape(qkv, [n, length, 3, heads, d]), [2, 0, 3, 1, 4]);
    const part = (i: number) =>
      tf.reshape(tf.slice(split, [i, 0, 0, 0, 0], [1, n, heads, length, d]), [
        n * heads,
        length,
        d,
      ]) as tf.Tensor3D;
    const q = tf.mul(part(0), 1 / Math.sqrt(d));
    const attention = tf.softmax(tf.matMul(q, part(1), false, true));
    const mixed = tf.matMul(attention, part(2)); // [n*heads, L, d]
    const merged = tf.reshape(
      tf.transpose(tf.reshape(mixed, [n, heads, length, d]), [0, 2, 1, 3]),
      [n, length, c],
    );
    return tf.reshape(this.out_proj.forward(merged), x.shape);
  }
}
