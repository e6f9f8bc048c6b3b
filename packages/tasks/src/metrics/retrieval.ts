import { ArgumentError, describe, ShapeError, type tf } from '@atelier/core';
import { squaredDistances } from './few-shot-accuracy.js';

/**
 * Cross-representation retrieval: query i's match is gallery item i (the same object in
 * another representation). For each k in `ks`, the share of queries whose match is among
 * their k nearest gallery codes (Euclidean; a tie with the match counts for it).
 * queries, gallery: codes [N, D].
 */
export async function retrievalTopK(
  queries: tf.Tensor2D,
  gallery: tf.Tensor2D,
  ks: readonly number[],
): Promise<number[]> {
  const where = 'retrievalTopK';
  const d = squaredDistances(queries, gallery);
  const n = queries.shape[0];
  if (gallery.shape[0] !== n) {
    d.dispose();
    throw new ShapeError(
      `${where}: queries and gallery must hold the same objects (query i matches item i), got ${n} and ${gallery.shape[0]}`,
    );
  }
  if (!Array.isArray(ks) || !ks.every((k) => Number.isSafeInteger(k) && k >= 1 && k <= n)) {
    d.dispose();
    throw new ArgumentError(`${where}: ks must be integers in [1, ${n}], got ${describe(ks)}`);
  }
  const values = await d.data();
  d.dispose();
  // Rank of the match: how many gallery codes are strictly nearer than it.
  const ranks = Array.from({ length: n }, (_, i) => {
    const own = values[i * n + i]!;
    let nearer = 0;
    for (let j = 0; j < n; j++) if (values[i * n + j]! < own) nearer++;
    return nearer;
  });
  return ks.map((k) => ranks.filter((r) => r < k).length / n);
}
