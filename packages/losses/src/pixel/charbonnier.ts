import { tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import { finiteNumber, optionsArg } from '../validate.js';
import { pairArgs } from './pair.js';

export interface CharbonnierOptions {
  /** ε in sqrt((input - target)² + ε²); 1e-3 as in LapSRN. Must be > 0 (smooth at 0). */
  epsilon?: number;
  reduction?: Reduction;
}

/**
 * Charbonnier (smooth L1) penalty sqrt((input - target)² + ε²) per element: L1 far
 * from the target, quadratic near it, differentiable everywhere.
 */
export function charbonnier(
  input: tf.Tensor,
  target: tf.Tensor,
  options?: CharbonnierOptions,
): tf.Tensor {
  const o = optionsArg('charbonnier', options);
  const [a, b] = pairArgs('charbonnier', input, target);
  const epsilon = finiteNumber('charbonnier', 'epsilon', o.epsilon ?? 1e-3, { exclusiveMin: 0 });
  const reduction = reductionArg('charbonnier', o.reduction);
  return tf.tidy(() =>
    reduce(tf.sqrt(tf.add(tf.squaredDifference(a, b), epsilon * epsilon)), reduction),
  );
}
