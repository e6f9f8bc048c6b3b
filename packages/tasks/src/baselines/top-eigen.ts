import { ArgumentError, describe, rng } from '@atelier/core';
import { symmetricEigen } from '@atelier/gan/internal';

/** Orthonormalises the l columns of q [m x l] in place (modified Gram-Schmidt, twice). */
function orthonormalise(q: Float64Array, m: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < l; j++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let r = 0; r < m; r++) dot += q[r * l + i]! * q[r * l + j]!;
        for (let r = 0; r < m; r++) q[r * l + j]! -= dot * q[r * l + i]!;
      }
      let norm = 0;
      for (let r = 0; r < m; r++) norm += q[r * l + j]! ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let r = 0; r < m; r++) q[r * l + j]! /= norm;
    }
  }
}

/** a [m x m] times q [m x l]. */
function times(a: Float64Array, q: Float64Array, m: number, l: number): Float64Array {
  const out = new Float64Array(m * l);
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < m; t++) {
      const v = a[i * m + t]!;
      if (v === 0) continue;
      for (let j = 0; j < l; j++) out[i * l + j]! += v * q[t * l + j]!;
    }
  }
  return out;
}

/**
 * The `k` largest eigenpairs of a symmetric positive semi-definite matrix [m x m] (row
 * major, doubles): subspace iteration on k + 8 seeded random vectors, then the exact
 * eigenpairs of the small projected matrix (Rayleigh-Ritz, Jacobi). Vectors are the
 * columns of [m x k], by decreasing eigenvalue.
 */
export function topEigen(
  a: Float64Array,
  m: number,
  k: number,
  options: { iterations?: number; seed?: number } = {},
): { values: Float64Array; vectors: Float64Array } {
  if (a.length !== m * m)
    throw new ArgumentError(`topEigen: expected ${m * m} values for m = ${m}, got ${a.length}`);
  if (!Number.isSafeInteger(k) || k < 1 || k > m)
    throw new ArgumentError(`topEigen: k must be in [1, ${m}], got ${describe(k)}`);
  const l = Math.min(m, k + 8);
  const r = rng(options.seed ?? 0);
  let q: Float64Array = new Float64Array(m * l);
  for (let i = 0; i < q.length; i++) q[i] = r.float() - 0.5;
  orthonormalise(q, m, l);
  for (let it = 0; it < (options.iterations ?? 30); it++) {
    q = times(a, q, m, l);
    orthonormalise(q, m, l);
  }
  // B = Qᵀ A Q, l x l.
  const aq = times(a, q, m, l);
  const b = new Float64Array(l * l);
  for (let i = 0; i < l; i++)
    for (let j = i; j < l; j++) {
      let s = 0;
      for (let t = 0; t < m; t++) s += q[t * l + i]! * aq[t * l + j]!;
      b[i * l + j] = s;
      b[j * l + i] = s;
    }
  const { values, vectors } = symmetricEigen({ n: l, data: b }, 1e-13);
  const order: number[] = Array.from({ length: l }, (_, i) => i)
    .sort((x, y) => values[y]! - values[x]!)
    .slice(0, k);
  const out = new Float64Array(m * k);
  order.forEach((col, j) => {
    for (let t = 0; t < m; t++) {
      let s = 0;
      for (let i = 0; i < l; i++) s += q[t * l + i]! * vectors.data[i * l + col]!;
      out[t * k + j] = s;
    }
  });
  return { values: Float64Array.from(order, (c) => values[c]!), vectors: out };
}
