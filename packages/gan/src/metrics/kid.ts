import { ArgumentError, describe, rng, ShapeError } from '@atelier/core';
import { type Features, featureRows } from './features.js';

export interface KidOptions {
  /** Random subsets averaged over (default 100, as torch-fidelity). */
  subsets?: number;
  /** Rows per subset (default min(1000, N_real, N_fake)). */
  subsetSize?: number;
  /** Seeds the subset draws (default 0). */
  seed?: number;
}

/**
 * Kernel Inception Distance (Bińkowski et al.): the unbiased estimate of the squared
 * MMD between two feature sets with the cubic polynomial kernel k(x, y) = (xᵀy / d + 1)³,
 * averaged over random subsets (drawn without replacement inside a subset). Returns
 * the mean and the standard deviation over the subsets.
 *
 * @example
 * const { mean, std } = await kernelDistance(realFeatures, fakeFeatures, { subsets: 100 });
 */
export async function kernelDistance(
  real: Features,
  fake: Features,
  options: KidOptions = {},
): Promise<{ mean: number; std: number }> {
  const x = await featureRows(real, 'kernelDistance (real)');
  const y = await featureRows(fake, 'kernelDistance (fake)');
  if (x.d !== y.d) throw new ShapeError(`kernelDistance: features of ${x.d} and ${y.d} values`);
  const subsets = options.subsets ?? 100;
  const size = options.subsetSize ?? Math.min(1000, x.n, y.n);
  if (!Number.isInteger(subsets) || subsets < 1)
    throw new ArgumentError(
      `kernelDistance: subsets must be a positive integer, got ${describe(subsets)}`,
    );
  if (!Number.isInteger(size) || size < 2 || size > x.n || size > y.n) {
    throw new ArgumentError(
      `kernelDistance: subsetSize must be an integer in [2, min(N_real, N_fake) = ${Math.min(x.n, y.n)}], got ${describe(size)}`,
    );
  }
  const d = x.d;
  const kernel = (a: Float64Array, i: number, b: Float64Array, j: number) => {
    let dot = 0;
    for (let k = 0; k < d; k++) dot += a[i * d + k]! * b[j * d + k]!;
    return (dot / d + 1) ** 3;
  };
  const random = rng(options.seed ?? 0);
  const values: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const xi = random.permutation(x.n).slice(0, size);
    const yi = random.permutation(y.n).slice(0, size);
    let kxx = 0;
    let kyy = 0;
    let kxy = 0;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        if (i !== j) {
          kxx += kernel(x.data, xi[i]!, x.data, xi[j]!);
          kyy += kernel(y.data, yi[i]!, y.data, yi[j]!);
        }
        kxy += kernel(x.data, xi[i]!, y.data, yi[j]!);
      }
    }
    const m = size;
    values.push(kxx / (m * (m - 1)) + kyy / (m * (m - 1)) - (2 * kxy) / (m * m));
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std };
}
