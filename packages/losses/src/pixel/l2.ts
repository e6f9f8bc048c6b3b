import { tf } from '@atelier/core';
import { reduce, reductionArg } from '../reduction.js';
import { optionsArg } from '../validate.js';
import type { PixelLossOptions } from './l1.js';
import { pairArgs } from './pair.js';

/**
 * Mean squared error (input - target)², as PyTorch's F.mse_loss (no factor 1/2).
 *
 * @example
 * const loss = l2(prediction, target); // scalar: mean (prediction - target)²
 */
export function l2(input: tf.Tensor, target: tf.Tensor, options?: PixelLossOptions): tf.Tensor {
  const o = optionsArg('l2', options);
  const [a, b] = pairArgs('l2', input, target);
  const reduction = reductionArg('l2', o.reduction);
  return tf.tidy(() => reduce(tf.squaredDifference(a, b), reduction));
}
