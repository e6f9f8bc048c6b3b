import { tf } from '@atelier/core';
import { finiteNumber, optionsArg } from '../validate.js';
import { sampleBilinear } from './bilinear.js';
import { filterAxis, filterSymmetric } from './symmetric-filter.js';
import { flowArg } from './warp.js';

export interface OcclusionMaskOptions {
  /**
   * σ of the Gaussian that softens the mask's edges before clipping to [0, 1] (default
   * 0.8, artistic-videos' SMOOTH_STRENGH, a 5-tap kernel); 0 gives the hard 0/1 mask.
   */
  smoothing?: number;
}

/**
 * The reliability weights of a flow, by the forward–backward check of Ruder et al.'s
 * artistic-videos (consistencyChecker.cpp, coefficients from Sundaram et al.): for each
 * pixel p, with w = flow(p) and ŵ = reverseFlow(p + w) (bilinear),
 * - p + w falls outside the image (its 2×2 neighbourhood does not fit)  → 0;
 * - |w + ŵ|² >= 0.01 (|w|² + |ŵ|²) + 0.5 (disocclusion)               → 0, pulling
 *   its neighbours down when smoothed (the checker writes -255 there);
 * - |∇u|² + |∇v|² > 0.01 |w|² + 0.002 (motion boundary; central differences with
 *   mirrored borders)                                                  → 0;
 * - otherwise 1.
 * then smoothed and clipped to [0, 1], the checker's .pgm divided by 255.
 * `flow` is the flow being checked (the backward flow current → previous that warps the
 * previous frame), `reverseFlow` the opposite one; both [N, H, W, 2]. Returns
 * [N, H, W, 1]. Not differentiable (a mask).
 */
export function occlusionMask(
  flow: tf.Tensor,
  reverseFlow: tf.Tensor,
  options?: OcclusionMaskOptions,
): tf.Tensor4D {
  const fn = 'occlusionMask';
  const o = optionsArg(fn, options);
  const f1 = flowArg(fn, 'flow', flow);
  const f2 = flowArg(fn, 'reverseFlow', reverseFlow, f1.shape);
  const sigma = finiteNumber(fn, 'smoothing', o.smoothing ?? 0.8, { min: 0 });
  const [n, h, w] = f1.shape;
  return tf.tidy(() => {
    const [u2, v2] = tf.unstack(f1, 3) as [tf.Tensor3D, tf.Tensor3D];
    const gx = tf.broadcastTo(tf.reshape(tf.range(0, w, 1, 'float32'), [1, 1, w]), [n, h, w]);
    const gy = tf.broadcastTo(tf.reshape(tf.range(0, h, 1, 'float32'), [1, h, 1]), [n, h, w]);
    const bx = tf.add(gx, u2);
    const by = tf.add(gy, v2);
    const x1 = tf.floor(bx);
    const y1 = tf.floor(by);
    const inside = tf.logicalAnd(
      tf.logicalAnd(tf.greaterEqual(x1, 0), tf.less(tf.add(x1, 1), w)),
      tf.logicalAnd(tf.greaterEqual(y1, 0), tf.less(tf.add(y1, 1), h)),
    );
    // Inside, the 2×2 neighbourhood fits, so 'border' sampling clamps nothing.
    const back = sampleBilinear(f2, bx, by, 'border');
    const [u, v] = tf.unstack(back, 3) as [tf.Tensor3D, tf.Tensor3D];
    const lengths = tf.add(
      tf.add(tf.square(u2), tf.square(v2)),
      tf.add(tf.square(u), tf.square(v)),
    );
    const roundTrip = tf.add(tf.square(tf.add(u2, u)), tf.square(tf.add(v2, v)));
    const inconsistent = tf.greaterEqual(roundTrip, tf.add(tf.mul(lengths, 0.01), 0.5));

    const derivative = [-0.5, 0, 0.5];
    let edge: tf.Tensor = tf.zeros([n, h, w]);
    for (const channel of [u2, v2]) {
      const map = tf.expandDims(channel, 3) as tf.Tensor4D;
      const dx = tf.squeeze(filterAxis(map, derivative, 2), [3]);
      const dy = tf.squeeze(filterAxis(map, derivative, 1), [3]);
      edge = tf.add(edge, tf.add(tf.square(dx), tf.square(dy)));
    }
    const ownLength = tf.add(tf.square(u2), tf.square(v2));
    const boundary = tf.greater(edge, tf.add(tf.mul(ownLength, 0.01), 0.002));

    const one = tf.onesLike(bx);
    const zero = tf.zerosLike(bx);
    let mask: tf.Tensor = tf.where(boundary, zero, one);
    mask = tf.where(inconsistent, tf.neg(one), mask);
    mask = tf.where(inside, mask, zero);
    let out = tf.expandDims(mask, 3) as tf.Tensor4D;
    if (sigma > 0) out = filterSymmetric(out, gaussianTaps(sigma));
    return tf.clipByValue(out, 0, 1) as tf.Tensor4D;
  });
}

/** CSmooth(σ, 2): 2·ceil(2σ) + 1 taps of exp(-i²/2σ²), normalised to sum 1. */
function gaussianTaps(sigma: number): number[] {
  const r = Math.ceil(2 * sigma);
  const taps = Array.from({ length: 2 * r + 1 }, (_, i) =>
    Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)),
  );
  const sum = taps.reduce((a, b) => a + b, 0);
  return taps.map((t) => t / sum);
}
