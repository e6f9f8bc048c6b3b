import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

/** Solves A X = B for a symmetric positive definite A [n, n] and B [n, m] (Gauss-Jordan, pivoting). */
function solve(a: Float64Array, b: Float64Array, n: number, m: number): Float64Array {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(a[r * n + col]!) > Math.abs(a[pivot * n + col]!)) pivot = r;
    if (Math.abs(a[pivot * n + col]!) < 1e-12)
      throw new ArgumentError('LinearMap.fit: the codes are degenerate (raise ridge)');
    if (pivot !== col) {
      for (let k = 0; k < n; k++)
        [a[col * n + k], a[pivot * n + k]] = [a[pivot * n + k]!, a[col * n + k]!];
      for (let k = 0; k < m; k++)
        [b[col * m + k], b[pivot * m + k]] = [b[pivot * m + k]!, b[col * m + k]!];
    }
    const p = a[col * n + col]!;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r * n + col]! / p;
      if (f === 0) continue;
      for (let k = 0; k < n; k++) a[r * n + k]! -= f * a[col * n + k]!;
      for (let k = 0; k < m; k++) b[r * m + k]! -= f * b[col * m + k]!;
    }
  }
  for (let r = 0; r < n; r++) for (let k = 0; k < m; k++) b[r * m + k]! /= a[r * n + r]!;
  return b;
}

/**
 * An affine map y ≈ x W + c fitted by ridge least squares: how separately trained
 * encoders' codes are aligned after the fact (one code space mapped onto another, from
 * the codes of the same training objects).
 */
export class LinearMap {
  /** [Dx + 1, Dy]: W, then c as the last row. */
  readonly weight: tf.Tensor2D;

  private constructor(weight: tf.Tensor2D) {
    this.weight = weight;
  }

  /** Fits the map from x [N, Dx] to y [N, Dy]; `ridge` (default 1e-6 of the mean diagonal) regularises W. */
  static async fit(x: tf.Tensor2D, y: tf.Tensor2D, ridge = 1e-6): Promise<LinearMap> {
    for (const [name, t] of [
      ['x', x],
      ['y', y],
    ] as const) {
      if (!(t instanceof tf.Tensor) || t.rank !== 2)
        throw new ShapeError(`LinearMap.fit: expected ${name} [N, D], got ${describe(t)}`);
    }
    if (x.shape[0] !== y.shape[0])
      throw new ShapeError(`LinearMap.fit: x and y hold ${x.shape[0]} and ${y.shape[0]} rows`);
    if (!Number.isFinite(ridge) || ridge < 0)
      throw new ArgumentError(`LinearMap.fit: ridge must be a number >= 0, got ${describe(ridge)}`);
    const [xtx, xty] = tf.tidy(() => {
      const ones = tf.ones([x.shape[0], 1]);
      const xa = tf.concat([x, ones], 1) as tf.Tensor2D;
      return [tf.matMul(xa, xa, true, false), tf.matMul(xa, y, true, false)];
    });
    const n = x.shape[1] + 1;
    const m = y.shape[1];
    const a = Float64Array.from(await xtx!.data());
    const b = Float64Array.from(await xty!.data());
    tf.dispose([xtx!, xty!]);
    let trace = 0;
    for (let i = 0; i < n - 1; i++) trace += a[i * n + i]!;
    for (let i = 0; i < n - 1; i++) a[i * n + i]! += (ridge * trace) / Math.max(1, n - 1);
    return new LinearMap(tf.tensor2d(Float32Array.from(solve(a, b, n, m)), [n, m]));
  }

  /** x [N, Dx] mapped: [N, Dy]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const dx = this.weight.shape[0] - 1;
    if (!(x instanceof tf.Tensor) || x.rank !== 2 || x.shape[1] !== dx)
      throw new ShapeError(`LinearMap.apply: expected x [N, ${dx}], got ${describe(x)}`);
    return tf.tidy(() =>
      tf.matMul(tf.concat([x, tf.ones([x.shape[0], 1])], 1) as tf.Tensor2D, this.weight),
    );
  }

  dispose(): void {
    this.weight.dispose();
  }
}
