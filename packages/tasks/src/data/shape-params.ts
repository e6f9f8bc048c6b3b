import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';
import { synthetic } from '@atelier/datasets';

/** One object of `synthetic.shapes` as numbers: kind, colour, centre and size (fractions of the side). */
export interface ShapeParams {
  kind: number;
  colour: number;
  x: number;
  y: number;
  radius: number;
}

const KINDS = synthetic.SHAPE_CLASSES.length;
const COLOURS = synthetic.SHAPE_COLOURS.length;

/**
 * Centre and half-range of x, y and radius in single-object shapes (the generator's
 * placement ranges), so the continuous entries of a parameter vector lie in [-1, 1].
 */
export const PARAM_RANGES = {
  x: [0.5, 0.12],
  y: [0.5, 0.1],
  radius: [0.2, 0.04],
} as const;

/** Length of a parameter vector: one-hot kind (4), one-hot colour (6), x, y, radius. */
export const PARAM_LENGTH = KINDS + COLOURS + 3;

/** The parameter vector [13] of an object: one-hot kind, one-hot colour, x, y, radius scaled to [-1, 1]. */
export function paramVector(p: ShapeParams): Float32Array {
  const ok =
    Number.isInteger(p?.kind) &&
    p.kind >= 0 &&
    p.kind < KINDS &&
    Number.isInteger(p.colour) &&
    p.colour >= 0 &&
    p.colour < COLOURS &&
    [p.x, p.y, p.radius].every(Number.isFinite);
  if (!ok)
    throw new ArgumentError(
      `paramVector: expected { kind < ${KINDS}, colour < ${COLOURS}, x, y, radius }, got ${describe(p)}`,
    );
  const v = new Float32Array(PARAM_LENGTH);
  v[p.kind] = 1;
  v[KINDS + p.colour] = 1;
  v[KINDS + COLOURS] = (p.x - PARAM_RANGES.x[0]) / PARAM_RANGES.x[1];
  v[KINDS + COLOURS + 1] = (p.y - PARAM_RANGES.y[0]) / PARAM_RANGES.y[1];
  v[KINDS + COLOURS + 2] = (p.radius - PARAM_RANGES.radius[0]) / PARAM_RANGES.radius[1];
  return v;
}

function checkVectors(vectors: unknown, where: string): tf.Tensor2D {
  const t = vectors as tf.Tensor;
  if (!(t instanceof tf.Tensor) || t.rank !== 2 || t.shape[1] !== PARAM_LENGTH)
    throw new ShapeError(
      `${where}: expected parameter vectors [N, ${PARAM_LENGTH}], got ${describe(vectors)}`,
    );
  return t as tf.Tensor2D;
}

/** Objects from parameter vectors (or decoded logits) [N, 13]: the most likely kind and colour. */
export async function readParams(vectors: tf.Tensor2D): Promise<ShapeParams[]> {
  const rows = (await checkVectors(vectors, 'readParams').array()) as number[][];
  const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
  return rows.map((r) => ({
    kind: argmax(r.slice(0, KINDS)),
    colour: argmax(r.slice(KINDS, KINDS + COLOURS)),
    x: PARAM_RANGES.x[0] + r[KINDS + COLOURS]! * PARAM_RANGES.x[1],
    y: PARAM_RANGES.y[0] + r[KINDS + COLOURS + 1]! * PARAM_RANGES.y[1],
    radius: PARAM_RANGES.radius[0] + r[KINDS + COLOURS + 2]! * PARAM_RANGES.radius[1],
  }));
}

/**
 * The reconstruction loss of decoded parameters [N, 13] (logits for kind and colour)
 * against true vectors: cross-entropy of the kind, of the colour, and the squared error
 * of x, y and radius (in their [-1, 1] units), each averaged over the batch.
 */
export function paramsLoss(decoded: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  checkVectors(decoded, 'paramsLoss');
  checkVectors(target, 'paramsLoss');
  return tf.tidy(() => {
    const n = decoded.shape[0];
    const part = (t: tf.Tensor2D, from: number, size: number) => tf.slice(t, [0, from], [n, size]);
    const ce = (from: number, size: number) =>
      tf.mean(
        tf.neg(
          tf.sum(tf.mul(part(target, from, size), tf.logSoftmax(part(decoded, from, size))), 1),
        ),
      );
    const continuous = tf.mean(
      tf.sum(
        tf.squaredDifference(part(decoded, KINDS + COLOURS, 3), part(target, KINDS + COLOURS, 3)),
        1,
      ),
    );
    return tf.addN([ce(0, KINDS), ce(KINDS, COLOURS), continuous]) as tf.Scalar;
  });
}
