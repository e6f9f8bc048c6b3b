import { describe, ShapeError, tf } from '@atelier/core';

/**
 * The scale-invariant MSE of intrinsic-image evaluations (Grosse et al. 2009; Narihira
 * et al. 2015): per image, the mean squared error after scaling the estimate by the α
 * that fits the truth best, α = Σ x·x̂ / Σ x̂² (0 when Σ x̂² ≤ 1e-5); averaged over the
 * images of [N, H, W, C]. The decompositions are defined up to a scale: this error
 * does not charge it.
 */
export function scaleInvariantError(truth: tf.Tensor4D, estimate: tf.Tensor4D): number {
  const where = 'scaleInvariantError';
  if (!(truth instanceof tf.Tensor) || truth.rank !== 4)
    throw new ShapeError(`${where}: expected truth [N, H, W, C], got ${describe(truth)}`);
  if (!(estimate instanceof tf.Tensor) || estimate.shape.join() !== truth.shape.join())
    throw new ShapeError(
      `${where}: estimate must have the truth's shape [${truth.shape.join(', ')}], got ${describe(estimate)}`,
    );
  const [n] = truth.shape;
  const per = truth.size / n;
  const x = truth.dataSync();
  const y = estimate.dataSync();
  let total = 0;
  for (let i = 0; i < n; i++) {
    let xy = 0;
    let yy = 0;
    let xx = 0;
    for (let k = i * per; k < (i + 1) * per; k++) {
      xy += x[k]! * y[k]!;
      yy += y[k]! * y[k]!;
      xx += x[k]! * x[k]!;
    }
    const alpha = yy > 1e-5 ? xy / yy : 0;
    total += Math.max(0, xx - 2 * alpha * xy + alpha * alpha * yy) / per;
  }
  return total / n;
}
