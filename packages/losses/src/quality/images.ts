import { ArgumentError, describe, type tf } from '@atelier/core';
import { finiteNumber, imageArg, sameShape } from '../validate.js';

/** Two image batches [N, H, W, C] of one shape. */
export function imagePair(fn: string, a: unknown, b: unknown): [tf.Tensor4D, tf.Tensor4D] {
  const x = imageArg(fn, 'a', a);
  const y = imageArg(fn, 'b', b);
  sameShape(fn, ['a', x], ['b', y]);
  return [x, y];
}

/**
 * The span of values the images can take (max - min of the format: 1 for [0, 1], 2 for
 * [-1, 1], 255 for bytes). Required, as scikit-image requires it for float images:
 * guessing it from the data gives a different metric on every image.
 */
export function dataRangeArg(fn: string, value: unknown): number {
  if (value === undefined) {
    throw new ArgumentError(
      `${fn}: dataRange is required (1 for images in [0, 1], 2 for [-1, 1], 255 for 0..255), got ${describe(value)}`,
    );
  }
  return finiteNumber(fn, 'dataRange', value, { exclusiveMin: 0 });
}
