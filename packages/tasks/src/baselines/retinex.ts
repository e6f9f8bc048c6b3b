import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

/** Thresholds of the Retinex classifier of image gradients (log intensity, chromaticity). */
export interface RetinexThresholds {
  /** A step of log intensity larger than this is reflectance. */
  intensity: number;
  /** A step of chromaticity (r, g, b) / (r + g + b) larger than this is reflectance. */
  chroma: number;
}

const EPSILON = 1e-4;

/**
 * Colour Retinex, the MIT intrinsic benchmark's baseline (Grosse et al. 2009, after
 * Land and McCann): every step between neighbouring pixels of the log intensity is
 * given to reflectance when it is large or changes the chromaticity, and to shading
 * otherwise; the reflectance steps are integrated back by least squares (a Poisson
 * equation, conjugate gradients) and the shading is what is left. Images [N, H, W, 3]
 * of linear radiance; returns the albedo [N, H, W, 3] and a grey shading [N, H, W, 3]
 * with image = albedo · shading, both up to a scale (the metrics fit it).
 */
export function retinex(
  images: tf.Tensor4D,
  thresholds: RetinexThresholds,
): { albedo: tf.Tensor4D; shading: tf.Tensor4D } {
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[3] !== 3)
    throw new ShapeError(`retinex: expected images [N, H, W, 3], got ${describe(images)}`);
  for (const key of ['intensity', 'chroma'] as const) {
    const v = thresholds?.[key];
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0)
      throw new ArgumentError(
        `retinex: thresholds.${key} must be a number >= 0, got ${describe(v)}`,
      );
  }
  const [n, h, w] = images.shape;
  const rgb = images.dataSync();
  const albedo = new Float32Array(rgb.length);
  const shading = new Float32Array(rgb.length);
  for (let i = 0; i < n; i++) {
    const base = i * h * w * 3;
    const { logI, chroma } = logIntensity(rgb, base, h * w);
    const logR = integrate(reflectanceSteps(logI, chroma, h, w, thresholds), h, w);
    for (let p = 0; p < h * w; p++) {
      const s = Math.exp(logI[p]! - logR[p]!);
      for (let k = 0; k < 3; k++) {
        shading[base + p * 3 + k] = s;
        albedo[base + p * 3 + k] = (rgb[base + p * 3 + k]! + EPSILON / 3) / s;
      }
    }
  }
  return {
    albedo: tf.tensor4d(albedo, images.shape as [number, number, number, number]),
    shading: tf.tensor4d(shading, images.shape as [number, number, number, number]),
  };
}

function logIntensity(rgb: ArrayLike<number>, base: number, pixels: number) {
  const logI = new Float64Array(pixels);
  const chroma = new Float64Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const r = Math.max(0, rgb[base + p * 3]!);
    const g = Math.max(0, rgb[base + p * 3 + 1]!);
    const b = Math.max(0, rgb[base + p * 3 + 2]!);
    const sum = r + g + b + EPSILON;
    logI[p] = Math.log(sum / 3);
    chroma[p * 3] = r / sum;
    chroma[p * 3 + 1] = g / sum;
    chroma[p * 3 + 2] = b / sum;
  }
  return { logI, chroma };
}

/** The reflectance part of each step right (dx) and down (dy): the step, or 0 (shading). */
function reflectanceSteps(
  logI: Float64Array,
  chroma: Float64Array,
  h: number,
  w: number,
  t: RetinexThresholds,
) {
  const dx = new Float64Array(h * w);
  const dy = new Float64Array(h * w);
  const step = (p: number, q: number): number => {
    const d = logI[q]! - logI[p]!;
    let c = 0;
    for (let k = 0; k < 3; k++) c += (chroma[q * 3 + k]! - chroma[p * 3 + k]!) ** 2;
    return Math.abs(d) > t.intensity || Math.sqrt(c) > t.chroma ? d : 0;
  };
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (x + 1 < w) dx[p] = step(p, p + 1);
      if (y + 1 < h) dy[p] = step(p, p + w);
    }
  return { dx, dy };
}

/**
 * The field whose steps best fit (dx, dy) in least squares: the Neumann Poisson
 * equation L v = div, solved by conjugate gradients (L is semidefinite and the system
 * consistent, so CG from 0 converges to the zero-mean solution).
 */
function integrate(steps: { dx: Float64Array; dy: Float64Array }, h: number, w: number) {
  const size = h * w;
  const laplacian = (v: Float64Array, out: Float64Array) => {
    out.fill(0);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        if (x + 1 < w) {
          const d = v[p + 1]! - v[p]!;
          out[p]! -= d;
          out[p + 1]! += d;
        }
        if (y + 1 < h) {
          const d = v[p + w]! - v[p]!;
          out[p]! -= d;
          out[p + w]! += d;
        }
      }
  };
  const b = new Float64Array(size);
  for (let p = 0; p < size; p++) {
    b[p]! -= steps.dx[p]! + steps.dy[p]!;
    if ((p % w) + 1 < w) b[p + 1]! += steps.dx[p]!;
    if (p + w < size) b[p + w]! += steps.dy[p]!;
  }
  const v = new Float64Array(size);
  const r = Float64Array.from(b);
  const d = Float64Array.from(b);
  const q = new Float64Array(size);
  const dot = (a: Float64Array, c: Float64Array) => a.reduce((s, x, i) => s + x * c[i]!, 0);
  let rr = dot(r, r);
  const tolerance = 1e-12 * Math.max(1, rr);
  for (let it = 0; it < 4 * size && rr > tolerance; it++) {
    laplacian(d, q);
    const alpha = rr / dot(d, q);
    for (let p = 0; p < size; p++) {
      v[p]! += alpha * d[p]!;
      r[p]! -= alpha * q[p]!;
    }
    const next = dot(r, r);
    for (let p = 0; p < size; p++) d[p] = r[p]! + (next / rr) * d[p]!;
    rr = next;
  }
  return v;
}

/** The thresholds `tuneRetinex` tries: log-intensity steps and chromaticity steps. */
export const RETINEX_GRID: { intensity: readonly number[]; chroma: readonly number[] } = {
  intensity: [0.05, 0.1, 0.2, 0.4, 0.8, Number.POSITIVE_INFINITY],
  chroma: [0.005, 0.01, 0.02, 0.04, 0.08, Number.POSITIVE_INFINITY],
};

/**
 * The Retinex thresholds with the lowest score on training scenes (the caller's score,
 * the MIT benchmark's LMSE for instance), as a practitioner tunes the baseline.
 */
export function tuneRetinex(
  images: tf.Tensor4D,
  score: (estimate: { albedo: tf.Tensor4D; shading: tf.Tensor4D }) => number,
  grid = RETINEX_GRID,
): { thresholds: RetinexThresholds; score: number } {
  let best: { thresholds: RetinexThresholds; score: number } | undefined;
  for (const intensity of grid.intensity)
    for (const chroma of grid.chroma) {
      const estimate = retinex(images, { intensity, chroma });
      const s = score(estimate);
      tf.dispose([estimate.albedo, estimate.shading]);
      if (!best || s < best.score) best = { thresholds: { intensity, chroma }, score: s };
    }
  if (!best) throw new ArgumentError('tuneRetinex: the grid has no thresholds');
  return best;
}
