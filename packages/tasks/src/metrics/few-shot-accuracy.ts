import { ArgumentError, describe, rng, ShapeError, tf } from '@atelier/core';

export interface FewShotOptions {
  /** Classes per episode (N of N-way). */
  ways: number;
  /** Labelled examples per class (K of K-shot). */
  shots: number;
  /** Episodes to average over; default 500. */
  episodes?: number;
  /** Seeds the episodes (which classes, which examples); default 0. */
  seed?: number;
}

function count(value: unknown, name: string, where: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new ArgumentError(
      `${where}: ${name} must be an integer >= ${min}, got ${describe(value)}`,
    );
  return value;
}

/**
 * N-way K-shot accuracy by nearest neighbour. `distances` [M, M] holds the distance of
 * every pair of M held-out examples (any dissimilarity: lower is nearer; rows are
 * queries), `labels` their classes. Each episode draws `ways` classes with at least
 * shots + 1 examples, `shots` labelled examples of each and one query of each (not among
 * them); a query takes the class of its nearest labelled example (ties: the first drawn).
 * Returns the share of queries classified right over all episodes.
 */
export async function fewShotAccuracy(
  distances: tf.Tensor2D,
  labels: readonly number[],
  options: FewShotOptions,
): Promise<number> {
  const where = 'fewShotAccuracy';
  if (
    !(distances instanceof tf.Tensor) ||
    distances.rank !== 2 ||
    distances.shape[0] !== distances.shape[1]
  )
    throw new ShapeError(`${where}: expected distances [M, M], got ${describe(distances)}`);
  const m = distances.shape[0];
  if (
    !Array.isArray(labels) ||
    labels.length !== m ||
    !labels.every((l) => Number.isSafeInteger(l))
  )
    throw new ShapeError(`${where}: expected ${m} integer labels, got ${describe(labels)}`);
  const o = typeof options === 'object' && options !== null ? options : ({} as FewShotOptions);
  const ways = count(o.ways, 'ways', where, 2);
  const shots = count(o.shots, 'shots', where);
  const episodes = count(o.episodes ?? 500, 'episodes', where);
  const byClass = new Map<number, number[]>();
  for (const [i, label] of labels.entries()) byClass.set(label, [...(byClass.get(label) ?? []), i]);
  const classes = [...byClass.keys()].filter((c) => byClass.get(c)!.length > shots);
  if (classes.length < ways) {
    throw new ArgumentError(
      `${where}: ${ways}-way ${shots}-shot needs ${ways} classes of at least ${shots + 1} examples; there are ${classes.length}`,
    );
  }
  const d = await distances.data();
  const r = rng(o.seed ?? 0).fork('few-shot episodes');
  let right = 0;
  for (let e = 0; e < episodes; e++) {
    const picked = r
      .permutation(classes.length)
      .slice(0, ways)
      .map((i) => classes[i]!);
    const support: [number, number][] = []; // [example, class]
    const queries: [number, number][] = [];
    for (const c of picked) {
      const members = byClass.get(c)!;
      const order = r.permutation(members.length);
      for (let k = 0; k < shots; k++) support.push([members[order[k]!]!, c]);
      queries.push([members[order[shots]!]!, c]);
    }
    for (const [q, truth] of queries) {
      let best = Number.POSITIVE_INFINITY;
      let guess = -1;
      for (const [s, c] of support) {
        const v = d[q * m + s]!;
        if (v < best) {
          best = v;
          guess = c;
        }
      }
      if (guess === truth) right++;
    }
  }
  return right / (episodes * ways);
}

/** Squared Euclidean distances of rows [Q, D] x [G, D] -> [Q, G]. */
export function squaredDistances(queries: tf.Tensor2D, gallery: tf.Tensor2D): tf.Tensor2D {
  const where = 'squaredDistances';
  for (const [name, t] of [
    ['queries', queries],
    ['gallery', gallery],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 2)
      throw new ShapeError(`${where}: expected ${name} [N, D], got ${describe(t)}`);
  }
  if (queries.shape[1] !== gallery.shape[1])
    throw new ShapeError(
      `${where}: queries have ${queries.shape[1]} dimensions, the gallery ${gallery.shape[1]}`,
    );
  return tf.tidy(() =>
    tf.relu(
      tf.add(
        tf.sub(
          tf.sum(tf.square(queries), 1, true),
          tf.mul(2, tf.matMul(queries, gallery, false, true)),
        ),
        tf.expandDims(tf.sum(tf.square(gallery), 1), 0),
      ),
    ),
  ) as tf.Tensor2D;
}
