import { type Matrix, symmetricEigen } from './symmetric-eigen.js';

/**
 * The principal square root of a symmetric positive semi-definite matrix,
 * V diag(√λ) Vᵀ; eigenvalues that rounding made slightly negative count as 0.
 */
export function sqrtmPsd(a: Matrix): Matrix {
  const { values, vectors } = symmetricEigen(a);
  const { n } = a;
  const v = vectors.data;
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const r = Math.sqrt(Math.max(0, values[k]!));
    if (r === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = v[i * n + k]! * r;
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + vik * v[j * n + k]!;
    }
  }
  return { n, data: out };
}

/** Trace of the square root of a symmetric PSD matrix: Σ √max(λ, 0). */
export function traceSqrtPsd(a: Matrix): number {
  return symmetricEigen(a).values.reduce((sum, l) => sum + Math.sqrt(Math.max(0, l)), 0);
}

export function matmul(a: Matrix, b: Matrix): Matrix {
  const { n } = a;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a.data[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + aik * b.data[k * n + j]!;
    }
  }
  return { n, data: out };
}
