import { describe, ShapeError, tf } from '@atelier/core';

/**
 * CIE L*a*b* from sRGB and back, exactly as the standards define it: the sRGB
 * transfer curve (IEC 61966-2-1), the RGB -> XYZ matrix derived in double precision
 * from the sRGB primaries and the D65 white point (so white has a = b = 0 exactly),
 * and CIE's rational constants epsilon = 216/24389 and kappa = 24389/27 (not the
 * rounded 0.008856 and 903.3). RGB is in [0, 1]; L in [0, 100].
 */

const PRIMARIES = [
  [0.64, 0.33],
  [0.3, 0.6],
  [0.15, 0.06],
] as const;
const WHITE_XY = [0.3127, 0.329] as const;
export const LAB_EPSILON = 216 / 24389;
export const LAB_KAPPA = 24389 / 27;

function xyToXyz(x: number, y: number): [number, number, number] {
  return [x / y, 1, (1 - x - y) / y];
}

function invert3(m: number[][]): number[][] {
  const [a, b, c] = m[0]!;
  const [d, e, f] = m[1]!;
  const [g, h, i] = m[2]!;
  const A = e! * i! - f! * h!;
  const B = -(d! * i! - f! * g!);
  const C = d! * h! - e! * g!;
  const det = a! * A + b! * B + c! * C;
  return [
    [A / det, -(b! * i! - c! * h!) / det, (b! * f! - c! * e!) / det],
    [B / det, (a! * i! - c! * g!) / det, -(a! * f! - c! * d!) / det],
    [C / det, -(a! * h! - b! * g!) / det, (a! * e! - b! * d!) / det],
  ];
}

/** White point XYZ (Y = 1) and the linear-RGB -> XYZ matrix (rows X, Y, Z). */
export const D65_WHITE: readonly [number, number, number] = xyToXyz(WHITE_XY[0], WHITE_XY[1]);
export const RGB_TO_XYZ: readonly (readonly number[])[] = (() => {
  const p = PRIMARIES.map(([x, y]) => xyToXyz(x, y));
  const columns = [
    [p[0]![0], p[1]![0], p[2]![0]],
    [p[0]![1], p[1]![1], p[2]![1]],
    [p[0]![2], p[1]![2], p[2]![2]],
  ];
  const inv = invert3(columns);
  const s = inv.map(
    (row) => row[0]! * D65_WHITE[0] + row[1]! * D65_WHITE[1] + row[2]! * D65_WHITE[2],
  );
  return columns.map((row) => row.map((v, j) => v * s[j]!));
})();
export const XYZ_TO_RGB: readonly (readonly number[])[] = invert3(RGB_TO_XYZ.map((r) => [...r]));

function linearize(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function encode(c: number): number {
  return c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055;
}

function f(t: number): number {
  return t > LAB_EPSILON ? Math.cbrt(t) : (LAB_KAPPA * t + 16) / 116;
}

function fInverse(ft: number): number {
  const cube = ft * ft * ft;
  return cube > LAB_EPSILON ? cube : (116 * ft - 16) / LAB_KAPPA;
}

/** One sRGB colour in [0, 1] to [L, a, b]. */
export function rgbToLabColor(r: number, g: number, b: number): [number, number, number] {
  const lr = linearize(r);
  const lg = linearize(g);
  const lb = linearize(b);
  const m = RGB_TO_XYZ;
  const fx = f((m[0]![0]! * lr + m[0]![1]! * lg + m[0]![2]! * lb) / D65_WHITE[0]);
  const fy = f((m[1]![0]! * lr + m[1]![1]! * lg + m[1]![2]! * lb) / D65_WHITE[1]);
  const fz = f((m[2]![0]! * lr + m[2]![1]! * lg + m[2]![2]! * lb) / D65_WHITE[2]);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** One Lab colour to sRGB in [0, 1] (clipped: not every Lab colour is in the sRGB gamut). */
export function labToRgbColor(L: number, a: number, b: number): [number, number, number] {
  const fy = (L + 16) / 116;
  const x = fInverse(fy + a / 500) * D65_WHITE[0];
  const y = (L > LAB_KAPPA * LAB_EPSILON ? fy * fy * fy : L / LAB_KAPPA) * D65_WHITE[1];
  const z = fInverse(fy - b / 200) * D65_WHITE[2];
  const m = XYZ_TO_RGB;
  const out: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    const lin = m[k]![0]! * x + m[k]![1]! * y + m[k]![2]! * z;
    out[k] = Math.min(1, Math.max(0, encode(lin)));
  }
  return out;
}

/** Interleaved RGB in [0, 1] to interleaved Lab, in float64 arithmetic. */
export function rgbToLabArray(rgb: Float32Array): Float32Array {
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) {
    const lab = rgbToLabColor(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!);
    out[i] = lab[0];
    out[i + 1] = lab[1];
    out[i + 2] = lab[2];
  }
  return out;
}

export function labToRgbArray(lab: Float32Array): Float32Array {
  const out = new Float32Array(lab.length);
  for (let i = 0; i < lab.length; i += 3) {
    const rgb = labToRgbColor(lab[i]!, lab[i + 1]!, lab[i + 2]!);
    out[i] = rgb[0];
    out[i + 1] = rgb[1];
    out[i + 2] = rgb[2];
  }
  return out;
}

function checkLast3(x: tf.Tensor, what: string): void {
  if (!(x instanceof tf.Tensor) || x.rank < 1 || x.shape[x.rank - 1] !== 3) {
    throw new ShapeError(
      `${what}: expected a tensor whose last axis has 3 channels, got ${describe(x)}`,
    );
  }
}

function matrix(m: readonly (readonly number[])[]): tf.Tensor2D {
  // Columns are output channels: [..., 3] x M^T.
  return tf.tensor2d([0, 1, 2].map((i) => [0, 1, 2].map((j) => m[j]![i]!)));
}

/**
 * sRGB in [0, 1] (any shape [..., 3]) to Lab with L in [0, 100], as tensor ops, so it
 * runs on every backend and is differentiable.
 */
export function rgbToLab(rgb: tf.Tensor): tf.Tensor {
  checkLast3(rgb, 'rgbToLab');
  return tf.tidy(() => {
    const shape = rgb.shape;
    const c = tf.cast(tf.reshape(rgb, [-1, 3]), 'float32');
    const curve = tf.pow(tf.div(tf.add(tf.maximum(c, 0.04045), 0.055), 1.055), 2.4);
    const linear = tf.where(tf.lessEqual(c, 0.04045), tf.div(c, 12.92), curve);
    const xyz = tf.div(tf.matMul(linear, matrix(RGB_TO_XYZ)), tf.tensor1d([...D65_WHITE]));
    const cube = tf.pow(tf.maximum(xyz, LAB_EPSILON), 1 / 3);
    const ft = tf.where(
      tf.greater(xyz, LAB_EPSILON),
      cube,
      tf.div(tf.add(tf.mul(xyz, LAB_KAPPA), 16), 116),
    );
    const [fx, fy, fz] = tf.split(ft, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const L = tf.sub(tf.mul(fy, 116), 16);
    const a = tf.mul(tf.sub(fx, fy), 500);
    const b = tf.mul(tf.sub(fy, fz), 200);
    return tf.reshape(tf.concat([L, a, b], 1), shape);
  });
}

/** Lab (L in [0, 100]) to sRGB in [0, 1], clipped to the gamut, as tensor ops. */
export function labToRgb(lab: tf.Tensor): tf.Tensor {
  checkLast3(lab, 'labToRgb');
  return tf.tidy(() => {
    const shape = lab.shape;
    const [L, a, b] = tf.split(tf.cast(tf.reshape(lab, [-1, 3]), 'float32'), 3, 1) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    const fy = tf.div(tf.add(L, 16), 116);
    const fx = tf.add(fy, tf.div(a, 500));
    const fz = tf.sub(fy, tf.div(b, 200));
    const inv = (ft: tf.Tensor) => {
      const cube = tf.mul(tf.mul(ft, ft), ft);
      return tf.where(
        tf.greater(cube, LAB_EPSILON),
        cube,
        tf.div(tf.sub(tf.mul(ft, 116), 16), LAB_KAPPA),
      );
    };
    const y = tf.where(
      tf.greater(L, LAB_KAPPA * LAB_EPSILON),
      tf.mul(tf.mul(fy, fy), fy),
      tf.div(L, LAB_KAPPA),
    );
    const xyz = tf.mul(tf.concat([inv(fx), y, inv(fz)], 1), tf.tensor1d([...D65_WHITE]));
    const linear = tf.matMul(xyz, matrix(XYZ_TO_RGB));
    const curve = tf.sub(tf.mul(tf.pow(tf.maximum(linear, 0.0031308), 1 / 2.4), 1.055), 0.055);
    const srgb = tf.where(tf.lessEqual(linear, 0.0031308), tf.mul(linear, 12.92), curve);
    return tf.reshape(tf.clipByValue(srgb, 0, 1), shape);
  });
}
