import { tf } from '@atelier/core';
import { oneOf } from './validate.js';

/** How per-element losses become the result: their mean, their sum, or as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

export function reductionArg(fn: string, value: unknown, fallback: Reduction = 'mean'): Reduction {
  if (value === undefined) return fallback;
  return oneOf(fn, 'reduction', value, REDUCTIONS);
}

export function reduce(values: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === 'none') return values;
  return reduction === 'sum' ? tf.sum(values) : tf.mean(values);
}
