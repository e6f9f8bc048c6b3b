import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

/**
 * Codes on a grid spanned by corner codes [2 or 4, latent]: with 2, `steps` codes
 * from the first to the second; with 4 (top-left, top-right, bottom-left,
 * bottom-right), steps x steps codes interpolated bilinearly, row by row.
 */
export function interpolateCodes(corners: tf.Tensor2D, steps: number): tf.Tensor2D {
  const where = 'interpolateCodes';
  if (!(corners instanceof tf.Tensor) || corners.rank !== 2 || ![2, 4].includes(corners.shape[0])) {
    throw new ShapeError(
      `${where}: expected 2 or 4 corner codes [2|4, latent], got ${describe(corners)}`,
    );
  }
  if (!Number.isSafeInteger(steps) || steps < 2)
    throw new ArgumentError(`${where}: steps must be an integer >= 2, got ${describe(steps)}`);
  const t = Array.from({ length: steps }, (_, i) => i / (steps - 1));
  const weights: number[][] = [];
  if (corners.shape[0] === 2) {
    for (const a of t) weights.push([1 - a, a]);
  } else {
    for (const v of t)
      for (const u of t) weights.push([(1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v]);
  }
  return tf.tidy(() => tf.matMul(tf.tensor2d(weights), corners));
}

/**
 * Indices of the `k` nearest gallery codes (Euclidean) of each query code, nearest
 * first: queries [Q, latent], gallery [G, latent].
 */
export async function nearestCodes(
  queries: tf.Tensor2D,
  gallery: tf.Tensor2D,
  k = 1,
): Promise<number[][]> {
  const where = 'nearestCodes';
  for (const [name, t] of [
    ['queries', queries],
    ['gallery', gallery],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 2)
      throw new ShapeError(`${where}: ${name} must be codes [N, latent], got ${describe(t)}`);
  }
  if (queries.shape[1] !== gallery.shape[1]) {
    throw new ShapeError(
      `${where}: queries have ${queries.shape[1]} dimensions, the gallery ${gallery.shape[1]}`,
    );
  }
  if (!Number.isSafeInteger(k) || k < 1 || k > gallery.shape[0])
    throw new ArgumentError(`${where}: k must be in [1, ${gallery.shape[0]}], got ${describe(k)}`);
  // |q - g|² = |q|² - 2 q·g + |g|²; top-k of its negation.
  const { indices, values } = tf.tidy(() => {
    const d = tf.add(
      tf.sub(
        tf.sum(tf.square(queries), 1, true),
        tf.mul(2, tf.matMul(queries, gallery, false, true)),
      ),
      tf.expandDims(tf.sum(tf.square(gallery), 1), 0),
    );
    return tf.topk(tf.neg(d), k);
  });
  const out = (await indices.array()) as number[][];
  tf.dispose([indices, values]);
  return out;
}
