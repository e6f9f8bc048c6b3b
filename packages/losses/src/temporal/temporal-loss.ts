import { tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import {
  broadcastsTo,
  imageArg,
  oneOf,
  optionsArg,
  sameShape,
  tensorArg,
  valuesIn,
} from '../validate.js';
import type { WarpPadding } from './bilinear.js';
import { flowArg, warp } from './warp.js';

export interface TemporalLossOptions {
  /** The backward flow current → previous [N, H, W, 2]: previous is warped by it first.
   * Without it, previous is taken as already warped. */
  flow?: tf.Tensor;
  /** Per-pixel weights c in [0, 1] ([N, H, W, 1] or the images' shape), e.g.
   * occlusionMask(backward, forward); 1 everywhere when absent. */
  mask?: tf.Tensor;
  /** Padding of the warp (default 'border'). */
  padding?: WarpPadding;
  /** 'mean' (default) over N·H·W·C, 'sum', or 'none' for the weighted squared errors. */
  reduction?: Reduction;
}

/**
 * Ruder et al.'s short-term temporal consistency loss,
 * (1 / D) Σ c · (x - ω(x_prev))², D = H·W·C: the current output against the previous
 * output warped into the current frame, where the mask trusts the flow.
 */
export function temporalLoss(
  current: tf.Tensor,
  previous: tf.Tensor,
  options?: TemporalLossOptions,
): tf.Tensor {
  const fn = 'temporalLoss';
  const o = optionsArg(fn, options);
  const x = imageArg(fn, 'current', current);
  const prev = imageArg(fn, 'previous', previous);
  sameShape(fn, ['current', x], ['previous', prev]);
  const reduction = reductionArg(fn, o.reduction);
  const padding = oneOf(fn, 'padding', o.padding ?? 'border', ['border', 'zeros']);
  const flow = o.flow === undefined ? undefined : flowArg(fn, 'flow', o.flow, x.shape);
  let mask: tf.Tensor | undefined;
  if (o.mask !== undefined) {
    mask = tensorArg(fn, 'mask', o.mask, { rank: 4, layout: 'of shape [N, H, W, 1]' });
    broadcastsTo(fn, 'mask', mask, x);
    valuesIn(fn, 'mask', mask, { min: 0 }, '>= 0');
  }
  return tf.tidy(() => {
    const warped = flow === undefined ? prev : warp(prev, flow, { padding });
    const errors = tf.squaredDifference(x, warped);
    return reduce(mask ? tf.mul(errors, mask) : errors, reduction);
  });
}
