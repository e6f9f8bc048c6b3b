import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

export interface LmseOptions {
  /** Side of the square windows; default 20 (the MIT benchmark's). */
  window?: number;
  /** Step between windows; default 10. */
  shift?: number;
}

/**
 * The local mean squared error of the MIT intrinsic images benchmark (Grosse et al.
 * 2009, `local_error` of intrinsic.py) of estimates [N, H, W, C] against the truth:
 * in each window (all channels together) the estimate is scaled by the α that fits
 * it best, α = Σ x·x̂ / Σ x̂² (0 when Σ x̂² ≤ 1e-5); the squared residuals of every window
 * are summed and divided by the summed Σ x² of the same windows. 0 is perfect, an
 * estimate of 0 scores 1. Images pooled over the batch by averaging their scores.
 */
export function lmse(truth: tf.Tensor4D, estimate: tf.Tensor4D, options: LmseOptions = {}): number {
  const where = 'lmse';
  if (!(truth instanceof tf.Tensor) || truth.rank !== 4)
    throw new ShapeError(`${where}: expected truth [N, H, W, C], got ${describe(truth)}`);
  if (!(estimate instanceof tf.Tensor) || estimate.shape.join() !== truth.shape.join())
    throw new ShapeError(
      `${where}: estimate must have the truth's shape [${truth.shape.join(', ')}], got ${describe(estimate)}`,
    );
  const window = options.window ?? 20;
  const shift = options.shift ?? 10;
  for (const [name, v] of [
    ['window', window],
    ['shift', shift],
  ] as const)
    if (!Number.isSafeInteger(v) || v < 1)
      throw new ArgumentError(`${where}: ${name} must be an integer >= 1, got ${describe(v)}`);
  const [n, h, w, c] = truth.shape;
  if (h < window || w < window)
    throw new ShapeError(
      `${where}: images of ${h}x${w} are smaller than the ${window}-pixel window`,
    );
  const x = truth.dataSync();
  const y = estimate.dataSync();
  let total = 0;
  for (let i = 0; i < n; i++) total += imageLmse(x, y, i * h * w * c, h, w, c, window, shift);
  return total / n;
}

function imageLmse(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  base: number,
  h: number,
  w: number,
  c: number,
  window: number,
  shift: number,
): number {
  let ssq = 0;
  let norm = 0;
  for (let top = 0; top + window <= h; top += shift) {
    for (let left = 0; left + window <= w; left += shift) {
      let xy = 0;
      let yy = 0;
      let xx = 0;
      forWindow(base, top, left, w, c, window, (k) => {
        xy += x[k]! * y[k]!;
        yy += y[k]! * y[k]!;
        xx += x[k]! * x[k]!;
      });
      const alpha = yy > 1e-5 ? xy / yy : 0;
      // Σ (x − αy)² = Σ x² − 2α Σ xy + α² Σ y².
      ssq += Math.max(0, xx - 2 * alpha * xy + alpha * alpha * yy);
      norm += xx;
    }
  }
  return norm > 0 ? ssq / norm : 0;
}

function forWindow(
  base: number,
  top: number,
  left: number,
  w: number,
  c: number,
  window: number,
  visit: (k: number) => void,
): void {
  for (let r = top; r < top + window; r++)
    for (let q = left; q < left + window; q++)
      for (let ch = 0; ch < c; ch++) visit(base + (r * w + q) * c + ch);
}

/** The MIT benchmark's score of a decomposition: ½ LMSE(shading) + ½ LMSE(albedo). */
export function intrinsicLmse(
  truth: { albedo: tf.Tensor4D; shading: tf.Tensor4D },
  estimate: { albedo: tf.Tensor4D; shading: tf.Tensor4D },
  options?: LmseOptions,
): number {
  return (
    0.5 * lmse(truth.shading, estimate.shading, options) +
    0.5 * lmse(truth.albedo, estimate.albedo, options)
  );
}
