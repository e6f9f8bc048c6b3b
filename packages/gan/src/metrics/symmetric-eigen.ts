import { ArgumentError, ShapeError } from '@atelier/core';

/** A square matrix, row major, in doubles. */
export interface Matrix {
  n: number;
  data: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations, in
 * doubles: A = V diag(values) Vᵀ, the columns of V orthonormal. Jacobi is slow for large
 * n (O(n³) a sweep, a handful of sweeps) but accurate to the last digits for the small
 * feature dimensions of sample-quality metrics, which is what they need.
 */
export function symmetricEigen(
  a: Matrix,
  tolerance = 1e-14,
  maxSweeps = 100,
): { values: Float64Array; vectors: Matrix } {
  const { n } = a;
  if (!Number.isInteger(n) || n < 1 || a.data.length !== n * n) {
    throw new ShapeError(
      `symmetricEigen: expected an n x n matrix, got ${a.data.length} values for n = ${n}`,
    );
  }
  const m = Float64Array.from(a.data);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = m[i * n + j]!;
      const y = m[j * n + i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y))
        throw new ArgumentError('symmetricEigen: the matrix holds a non-finite value');
      if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x), Math.abs(y))) {
        throw new ArgumentError(
          `symmetricEigen: the matrix is not symmetric (${x} at [${i}, ${j}], ${y} at [${j}, ${i}])`,
        );
      }
      const mean = (x + y) / 2;
      m[i * n + j] = mean;
      m[j * n + i] = mean;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const scale = Math.max(1e-300, ...Array.from(m, Math.abs));
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2;
    if (Math.sqrt(off) <= tolerance * scale) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, the smaller angle).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!;
          const akq = m[k * n + q]!;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!;
          const aqk = m[q * n + k]!;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i]!;
  return { values, vectors: { n, data: v } };
}
