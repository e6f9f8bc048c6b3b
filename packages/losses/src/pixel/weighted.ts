import { tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import { broadcastsTo, oneOf, optionsArg, tensorArg, valuesIn } from '../validate.js';
import { pairArgs } from './pair.js';

export interface WeightedLossOptions {
  reduction?: Reduction;
  /**
   * What 'mean' divides the weighted sum by: 'elements' (default) the number of
   * elements of input, as torch.mean(w * loss); 'weights' the sum of the weights
   * broadcast to input's shape (a weighted average, unchanged by scaling w).
   */
  normalize?: 'elements' | 'weights';
}

/**
 * A per-element loss scaled by a weight map, e.g. the loss maps of Simo-Serra et al.'s
 * sketch simplification ([N, H, W, 1] for [N, H, W, C] images). The weight must be
 * non-negative and broadcast to input's shape; it is read back once to check that.
 */
function weighted(
  fn: string,
  perElement: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  input: tf.Tensor,
  target: tf.Tensor,
  weight: tf.Tensor,
  options: WeightedLossOptions | undefined,
): tf.Tensor {
  const o = optionsArg(fn, options);
  const [a, b] = pairArgs(fn, input, target);
  const w = tensorArg(fn, 'weight', weight);
  broadcastsTo(fn, 'weight', w, a);
  const reduction = reductionArg(fn, o.reduction);
  const normalize = oneOf(fn, 'normalize', o.normalize ?? 'elements', ['elements', 'weights']);
  valuesIn(fn, 'weight', w, { min: 0 }, '>= 0');
  return tf.tidy(() => {
    const values = tf.mul(w, perElement(a, b));
    if (reduction !== 'mean' || normalize === 'elements') return reduce(values, reduction);
    const total = tf.sum(tf.mul(w, tf.onesLike(a)));
    return tf.div(tf.sum(values), total);
  });
}

/** Σ w·|input - target| reduced as asked; see WeightedLossOptions. */
export function weightedL1(
  input: tf.Tensor,
  target: tf.Tensor,
  weight: tf.Tensor,
  options?: WeightedLossOptions,
): tf.Tensor {
  return weighted('weightedL1', (a, b) => tf.abs(tf.sub(a, b)), input, target, weight, options);
}

/** Σ w·(input - target)² reduced as asked; see WeightedLossOptions. */
export function weightedL2(
  input: tf.Tensor,
  target: tf.Tensor,
  weight: tf.Tensor,
  options?: WeightedLossOptions,
): tf.Tensor {
  return weighted(
    'weightedL2',
    (a, b) => tf.squaredDifference(a, b),
    input,
    target,
    weight,
    options,
  );
}
