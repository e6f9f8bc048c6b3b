import { ArgumentError, describe, Module, parameter, ShapeError, tf } from '@atelier/core';
import { booleanOption } from '../checks.js';
import { epsOption } from './norm-options.js';

export interface LayerNormOptions {
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /** Learned `weight` (ones) and `bias` (zeros) of shape normalizedShape; default true. */
  elementwiseAffine?: boolean;
}

/**
 * PyTorch's nn.LayerNorm: normalises over the trailing `normalizedShape` axes of its
 * input (biased variance). On tokens [N, L, D] use [D]; on NHWC images [C] normalises
 * each pixel over its channels (a channels-last LayerNorm), [H, W, C] the whole sample.
 */
export class LayerNorm extends Module {
  readonly weight: tf.Variable | undefined;
  readonly bias: tf.Variable | undefined;
  readonly normalizedShape: number[];
  readonly eps: number;

  constructor(normalizedShape: number | number[], options: LayerNormOptions = {}) {
    super();
    const where = 'LayerNorm';
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (
      !Array.isArray(shape) ||
      shape.length === 0 ||
      !shape.every((d) => Number.isInteger(d) && d > 0)
    ) {
      throw new ArgumentError(
        `${where}: normalizedShape must be a positive integer or a non-empty list of them, got ${describe(normalizedShape)}`,
      );
    }
    this.normalizedShape = [...shape];
    this.eps = epsOption(options.eps, 1e-5, where);
    const affine = booleanOption(options.elementwiseAffine ?? true, 'elementwiseAffine', where);
    this.weight = affine ? parameter(tf.ones(shape)) : undefined;
    this.bias = affine ? parameter(tf.zeros(shape)) : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const k = this.normalizedShape.length;
    if (!(x instanceof tf.Tensor)) {
      throw new ArgumentError(
        `LayerNorm: expected a tensor [..., ${this.normalizedShape.join(', ')}], got ${describe(x)}`,
      );
    }
    if (x.rank < k || !tf.util.arraysEqual(x.shape.slice(x.rank - k), this.normalizedShape)) {
      throw new ShapeError(
        `LayerNorm: expected trailing axes [${this.normalizedShape.join(', ')}], got ${describe(x)}`,
      );
    }
    const axes = Array.from({ length: k }, (_, i) => x.rank - k + i);
    const { mean, variance } = tf.moments(x, axes, true);
    const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
    return this.weight ? tf.add(tf.mul(y, this.weight), this.bias!) : y;
  }
}
