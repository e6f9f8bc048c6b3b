/**
 * 3×3 matrix algebra for colour transforms (row-major number[9]), in float64: the
 * covariance of an image's colours, its Cholesky factor, inverse, and symmetric
 * eigen-decomposition (cyclic Jacobi, exact to rounding for 3×3).
 */
export type Mat3 = number[];

export function matMul3(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 3; k++) out[i * 3 + j]! += a[i * 3 + k]! * b[k * 3 + j]!;
  return out;
}

export function transpose3(a: Mat3): Mat3 {
  return [a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!];
}

export function inverse3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!(Math.abs(det) > 1e-300)) throw new RangeError('singular 3x3 matrix');
  const s = 1 / det;
  return [
    A * s,
    -(b * i - c * h) * s,
    (b * f - c * e) * s,
    B * s,
    (a * i - c * g) * s,
    -(a * f - c * d) * s,
    C * s,
    -(a * h - b * g) * s,
    (a * e - b * d) * s,
  ];
}

/** Lower-triangular L with L Lᵀ = m (m symmetric positive definite). */
export function cholesky3(m: Mat3): Mat3 {
  const l = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i * 3 + j]!;
      for (let k = 0; k < j; k++) s -= l[i * 3 + k]! * l[j * 3 + k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError('matrix not positive definite');
        l[i * 3 + i] = Math.sqrt(s);
      } else {
        l[i * 3 + j] = s / l[j * 3 + j]!;
      }
    }
  }
  return l;
}

/** Eigenvalues w and eigenvectors (columns of v) of a symmetric m: m = v diag(w) vᵀ. */
export function symmetricEigen3(m: Mat3): { values: number[]; vectors: Mat3 } {
  const a = [...m];
  const v = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[1]! ** 2 + a[2]! ** 2 + a[5]! ** 2;
    if (off < 1e-30 * (a[0]! ** 2 + a[4]! ** 2 + a[8]! ** 2) || off === 0) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const apq = a[p * 3 + q]!;
      if (apq === 0) continue;
      const theta = (a[q * 3 + q]! - a[p * 3 + p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      // a ← Jᵀ a J with the rotation J in the (p, q) plane.
      for (let k = 0; k < 3; k++) {
        const akp = a[k * 3 + p]!;
        const akq = a[k * 3 + q]!;
        a[k * 3 + p] = c * akp - s * akq;
        a[k * 3 + q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p * 3 + k]!;
        const aqk = a[q * 3 + k]!;
        a[p * 3 + k] = c * apk - s * aqk;
        a[q * 3 + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k * 3 + p]!;
        const vkq = v[k * 3 + q]!;
        v[k * 3 + p] = c * vkp - s * vkq;
        v[k * 3 + q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: [a[0]!, a[4]!, a[8]!], vectors: v };
}

/** v diag(f(w)) vᵀ: a function of a symmetric matrix (f = sqrt gives its square root). */
export function symmetricFunction3(m: Mat3, f: (x: number) => number): Mat3 {
  const { values, vectors } = symmetricEigen3(m);
  const d = values.map(f);
  const out = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 3; k++)
        out[i * 3 + j]! += vectors[i * 3 + k]! * d[k]! * vectors[j * 3 + k]!;
  return out;
}

/** Mean and covariance (1/N) of interleaved RGB pixels. */
export function colorMoments(pixels: Float32Array): { mean: number[]; cov: Mat3 } {
  const n = pixels.length / 3;
  const mean = [0, 0, 0];
  for (let i = 0; i < pixels.length; i += 3) {
    mean[0]! += pixels[i]!;
    mean[1]! += pixels[i + 1]!;
    mean[2]! += pixels[i + 2]!;
  }
  for (let c = 0; c < 3; c++) mean[c]! /= n;
  const cov = new Array<number>(9).fill(0);
  for (let i = 0; i < pixels.length; i += 3) {
    const d0 = pixels[i]! - mean[0]!;
    const d1 = pixels[i + 1]! - mean[1]!;
    const d2 = pixels[i + 2]! - mean[2]!;
    cov[0]! += d0 * d0;
    cov[1]! += d0 * d1;
    cov[2]! += d0 * d2;
    cov[4]! += d1 * d1;
    cov[5]! += d1 * d2;
    cov[8]! += d2 * d2;
  }
  cov[3] = cov[1]!;
  cov[6] = cov[2]!;
  cov[7] = cov[5]!;
  return { mean, cov: cov.map((v) => v / n) };
}
