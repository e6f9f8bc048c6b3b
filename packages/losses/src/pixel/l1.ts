import { tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import { optionsArg } from '../validate.js';
import { pairArgs } from './pair.js';

export interface PixelLossOptions {
  /** 'mean' (default) over every element, 'sum', or 'none' for the element-wise map. */
  reduction?: Reduction;
}

/**
 * Mean absolute error |input - target|, as PyTorch's F.l1_loss.
 *
 * @example
 * const loss = l1(fake, real); // scalar: mean |fake - real|
 * const map = l1(fake, real, { reduction: 'none' }); // element-wise
 */
export function l1(input: tf.Tensor, target: tf.Tensor, options?: PixelLossOptions): tf.Tensor {
  const o = optionsArg('l1', options);
  const [a, b] = pairArgs('l1', input, target);
  const reduction = reductionArg('l1', o.reduction);
  return tf.tidy(() => reduce(tf.abs(tf.sub(a, b)), reduction));
}
