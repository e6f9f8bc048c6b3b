import type { Rng } from '@atelier/core';

/**
 * Householder QR of a column-major-free, row-major m x n matrix (m >= n), in doubles:
 * returns the reduced Q (m x n, row-major) and the diagonal of R.
 */
function householderQR(
  a: Float64Array,
  m: number,
  n: number,
): { q: Float64Array; rDiag: Float64Array } {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const rDiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const v = new Float64Array(m);
    const alpha = r[k * n + k]! >= 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i] = r[i * n + k]!;
    v[k] = v[k]! - alpha;
    let vnorm = 0;
    for (let i = k; i < m; i++) vnorm += v[i]! ** 2;
    if (vnorm > 0) {
      // R <- (I - 2 v v^T / v^T v) R
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i]! * r[i * n + j]!;
        const f = (2 * dot) / vnorm;
        for (let i = k; i < m; i++) r[i * n + j] = r[i * n + j]! - f * v[i]!;
      }
    }
    vs.push(vnorm > 0 ? v.map((x) => x / Math.sqrt(vnorm)) : v);
    rDiag[k] = r[k * n + k]!;
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * q[i * n + j]!;
      for (let i = k; i < m; i++) q[i * n + j] = q[i * n + j]! - 2 * dot * v[i]!;
    }
  }
  return { q, rDiag };
}

/**
 * A random rows x cols matrix (row-major float32) with orthonormal rows (rows <= cols)
 * or columns (rows >= cols), drawn as PyTorch's `orthogonal_` does: QR of a standard
 * normal matrix (transposed when it is wide), Q's columns multiplied by the signs of
 * R's diagonal so the result is uniformly distributed.
 */
export function orthogonalMatrix(rows: number, cols: number, rng: Rng): Float32Array {
  const out = new Float32Array(rows * cols);
  if (rows === 0 || cols === 0) return out;
  const wide = rows < cols;
  const [m, n] = wide ? [cols, rows] : [rows, cols];
  const normal = rng.normal([m * n]);
  const a = Float64Array.from(normal.dataSync());
  normal.dispose();
  const { q, rDiag } = householderQR(a, m, n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = q[i * n + j]! * (rDiag[j]! < 0 ? -1 : 1);
      // Q is m x n; the result is Q (tall) or Q^T (wide).
      if (wide) out[j * cols + i] = v;
      else out[i * cols + j] = v;
    }
  }
  return out;
}
