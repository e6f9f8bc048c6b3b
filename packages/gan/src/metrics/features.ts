import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

/** Feature vectors, one a row: a tensor [N, D], rows of numbers, or a flat array with its width. */
export type Features = tf.Tensor2D | number[][] | { data: ArrayLike<number>; dim: number };

/** Rows as doubles: [N·D] with N and D. */
export async function featureRows(
  features: Features,
  what: string,
): Promise<{ n: number; d: number; data: Float64Array }> {
  if (features instanceof tf.Tensor) {
    if (features.rank !== 2)
      throw new ShapeError(`${what}: expected features [N, D], got ${describe(features)}`);
    const [n, d] = features.shape as [number, number];
    return check({ n, d, data: Float64Array.from(await features.data()) }, what);
  }
  if (Array.isArray(features)) {
    const n = features.length;
    const d = features[0]?.length ?? 0;
    const data = new Float64Array(n * d);
    features.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== d) {
        throw new ShapeError(
          `${what}: every feature row must have ${d} values; row ${i} has ${describe(row)}`,
        );
      }
      data.set(row, i * d);
    });
    return check({ n, d, data }, what);
  }
  if (
    features &&
    typeof features === 'object' &&
    Number.isInteger(features.dim) &&
    features.dim > 0
  ) {
    const { dim } = features;
    if (features.data.length % dim !== 0) {
      throw new ShapeError(`${what}: ${features.data.length} values are not rows of ${dim}`);
    }
    return check(
      { n: features.data.length / dim, d: dim, data: Float64Array.from(features.data) },
      what,
    );
  }
  throw new ArgumentError(`${what}: expected features [N, D], got ${describe(features)}`);
}

function check(rows: { n: number; d: number; data: Float64Array }, what: string) {
  if (rows.n < 2 || rows.d < 1)
    throw new ShapeError(
      `${what}: expected at least 2 feature rows of at least 1 value, got ${rows.n} x ${rows.d}`,
    );
  if (!rows.data.every(Number.isFinite))
    throw new ArgumentError(`${what}: the features hold NaN or infinite values`);
  return rows;
}
