/**
 * Dense vector arithmetic on Float32Arrays for the optimisers. Storage is float32 (the
 * images' precision, half the memory of a history of float64), sums are accumulated in
 * float64 so that dot products of a million elements keep their digits.
 */

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** y += alpha * x, in place. */
export function axpy(alpha: number, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < y.length; i++) y[i]! += alpha * x[i]!;
}

/** out = a + t * d (a new array unless `out` is given). */
export function step(
  a: Float32Array,
  t: number,
  d: Float32Array,
  out?: Float32Array,
): Float32Array {
  const r = out ?? new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) r[i] = a[i]! + t * d[i]!;
  return r;
}

export function scale(alpha: number, x: Float32Array): Float32Array {
  const r = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) r[i] = alpha * x[i]!;
  return r;
}

export function maxAbs(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    if (v > m || Number.isNaN(v)) m = v;
  }
  return m;
}

export function sumAbs(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]!);
  return s;
}
