import { ArgumentError, ShapeError } from '@atelier/core';
import { type Features, featureRows } from './features.js';
import { matmul, sqrtmPsd, traceSqrtPsd } from './sqrtm.js';
import type { Matrix } from './symmetric-eigen.js';

/** A Gaussian fitted to features: the mean and the (unbiased, N − 1) covariance. */
export interface FeatureStatistics {
  mean: Float64Array;
  covariance: Matrix;
  count: number;
}

/** The mean and covariance of feature rows, as numpy's mean and cov(rowvar=False). */
export async function featureStatistics(features: Features): Promise<FeatureStatistics> {
  const { n, d, data } = await featureRows(features, 'featureStatistics');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = data[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ca = centred[a]!;
      for (let b = a; b < d; b++) cov[a * d + b] = cov[a * d + b]! + ca * centred[b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return { mean, covariance: { n: d, data: cov }, count: n };
}

/**
 * The Fréchet distance between two Gaussians (FID when the features are Inception's):
 * ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½.
 * The cross term is computed from the symmetric PSD matrix Σ₁^½ Σ₂ Σ₁^½, whose square
 * root has the same trace as the (non-symmetric) (Σ₁Σ₂)^½ of pytorch-fid but needs
 * only symmetric eigendecompositions: no complex parts to discard, no ε fudge.
 */
export function frechetDistance(a: FeatureStatistics, b: FeatureStatistics): number {
  const d = a.mean.length;
  if (b.mean.length !== d || a.covariance.n !== d || b.covariance.n !== d) {
    throw new ShapeError(
      `frechetDistance: the statistics have different dimensions (${d} and ${b.mean.length})`,
    );
  }
  let diff = 0;
  for (let j = 0; j < d; j++) diff += (a.mean[j]! - b.mean[j]!) ** 2;
  let trace = 0;
  for (let j = 0; j < d; j++)
    trace += a.covariance.data[j * d + j]! + b.covariance.data[j * d + j]!;
  const root = sqrtmPsd(a.covariance);
  const inner = matmul(matmul(root, b.covariance), root);
  // Symmetrise: rounding leaves the product a few ulps off symmetric.
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const m = (inner.data[i * d + j]! + inner.data[j * d + i]!) / 2;
      inner.data[i * d + j] = m;
      inner.data[j * d + i] = m;
    }
  }
  const value = diff + trace - 2 * traceSqrtPsd(inner);
  if (!Number.isFinite(value)) throw new ArgumentError('frechetDistance: the result is not finite');
  // Tiny negative values are rounding of a zero distance.
  return Math.max(0, value);
}

/** The Fréchet distance between the Gaussians fitted to two sets of features. */
export async function frechetFeatureDistance(real: Features, fake: Features): Promise<number> {
  return frechetDistance(await featureStatistics(real), await featureStatistics(fake));
}
