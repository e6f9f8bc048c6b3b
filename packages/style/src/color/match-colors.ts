import { tf } from '@atelier/core';
import { oneOf, optionsArg, rgbImageArg } from '../validate.js';
import {
  cholesky3,
  colorMoments,
  inverse3,
  type Mat3,
  matMul3,
  symmetricEigen3,
  symmetricFunction3,
  transpose3,
} from './matrix3.js';

/**
 * How the colour transform A (with A Σ_s Aᵀ = Σ_t) is chosen among the many that match
 * covariances (Gatys et al., CVPR 2017, section 5.2; leongatys/NeuralImageSynthesis):
 * - 'cholesky': A = L_t L_s⁻¹ with the Cholesky factors;
 * - 'symmetric': A = Σ_t^½ Σ_s^-½ ("image analogies" colour transfer) — the default;
 * - 'pca': A = Q_t Λ_t^½ Λ_s^-½ Q_sᵀ, eigenvectors matched by eigenvalue order.
 */
export const COLOR_MATCH_MODES = ['cholesky', 'symmetric', 'pca'] as const;
export type ColorMatchMode = (typeof COLOR_MATCH_MODES)[number];

export interface MatchColorsOptions {
  mode?: ColorMatchMode;
  /** Added to both covariances' diagonals, so flat (grey, one-colour) images stay invertible; default 1e-5 of the value range² . */
  epsilon?: number;
}

/** The affine colour map x ↦ A (x - μ_s) + μ_t and its parts. */
export interface ColorTransform {
  matrix: Mat3;
  sourceMean: number[];
  targetMean: number[];
}

/** The colour transform that gives `source`'s pixels the mean and covariance of `target`'s. */
export function colorTransform(
  source: Float32Array,
  target: Float32Array,
  mode: ColorMatchMode = 'symmetric',
  epsilon = 1e-5,
): ColorTransform {
  const s = colorMoments(source);
  const t = colorMoments(target);
  for (const c of [0, 4, 8]) {
    s.cov[c]! += epsilon;
    t.cov[c]! += epsilon;
  }
  let matrix: Mat3;
  if (mode === 'cholesky') {
    matrix = matMul3(cholesky3(t.cov), inverse3(cholesky3(s.cov)));
  } else if (mode === 'symmetric') {
    matrix = matMul3(
      symmetricFunction3(t.cov, Math.sqrt),
      symmetricFunction3(s.cov, (x) => 1 / Math.sqrt(x)),
    );
  } else {
    const es = sortedEigen(s.cov);
    const et = sortedEigen(t.cov);
    const scale = [0, 1, 2].map((k) => Math.sqrt(et.values[k]! / es.values[k]!));
    const scaled = et.vectors.map((v, idx) => v * scale[idx % 3]!);
    matrix = matMul3(scaled, transpose3(es.vectors));
  }
  return { matrix, sourceMean: s.mean, targetMean: t.mean };
}

function sortedEigen(m: Mat3): { values: number[]; vectors: Mat3 } {
  const { values, vectors } = symmetricEigen3(m);
  const order = [0, 1, 2].sort((a, b) => values[b]! - values[a]!);
  const sortedVectors = new Array<number>(9);
  for (let i = 0; i < 3; i++)
    for (let k = 0; k < 3; k++) sortedVectors[i * 3 + k] = vectors[i * 3 + order[k]!]!;
  return { values: order.map((k) => Math.max(values[k]!, 0)), vectors: sortedVectors };
}

/** Applies x ↦ A (x - μ_s) + μ_t to an RGB tensor [..., 3]. */
export function applyColorTransform(x: tf.Tensor, transform: ColorTransform): tf.Tensor {
  return tf.tidy(() => {
    const shape = x.shape;
    const flat = tf.sub(tf.reshape(x, [-1, 3]), tf.tensor1d(transform.sourceMean));
    const mapped = tf.matMul(flat, tf.transpose(tf.tensor2d(transform.matrix, [3, 3])));
    return tf.reshape(tf.add(mapped, tf.tensor1d(transform.targetMean)), shape);
  });
}

/**
 * Colour histogram matching by mean and covariance (Gatys et al., CVPR 2017, 5.2):
 * `source` (the style image, [H, W, 3] or [1, H, W, 3], any value range) recoloured so
 * its pixels have the mean and covariance of `target`'s (the content image). Returns
 * the source's shape; values are not clipped (clip before writing).
 *
 * @example
 * const recoloured = await matchColors(style, content, { mode: 'symmetric' }); // style in content's colours
 */
export async function matchColors(
  source: tf.Tensor,
  target: tf.Tensor,
  options?: MatchColorsOptions,
): Promise<tf.Tensor> {
  const fn = 'matchColors';
  const o = optionsArg(fn, options);
  const mode = oneOf(fn, 'mode', o.mode ?? 'symmetric', COLOR_MATCH_MODES);
  const s = rgbImageArg(fn, 'source', source);
  const t = rgbImageArg(fn, 'target', target);
  try {
    const [sp, tp] = (await Promise.all([s.data(), t.data()])) as Float32Array[];
    const range = Math.max(maxAbs(sp!), maxAbs(tp!), 1e-12);
    const epsilon = o.epsilon ?? 1e-5 * range * range;
    const transform = colorTransform(sp!, tp!, mode, epsilon);
    return tf.tidy(() => tf.reshape(applyColorTransform(s, transform), source.shape));
  } finally {
    tf.dispose([s, t]);
  }
}

function maxAbs(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}
