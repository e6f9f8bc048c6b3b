import {
  ArgumentError,
  checkBoolean,
  checkInt,
  checkNumber,
  checkOneOf,
  describe,
  ShapeError,
  tf,
} from '@atelier/core';

/*
 * Option checks: bindings of @atelier/core's argument checks (one wording for every
 * package) in the order the layers call them, value first, then the option and the layer.
 */

/** A positive integer option, or an ArgumentError naming the layer and the option. */
export function positiveInt(value: unknown, what: string, where: string): number {
  return checkInt(where, what, value, { min: 1 });
}

/** A non-negative integer option. */
export function nonNegativeInt(value: unknown, what: string, where: string): number {
  return checkInt(where, what, value, { min: 0 });
}

/** A finite number option, optionally within [min, max]. */
export function finiteNumber(
  value: unknown,
  what: string,
  where: string,
  range: { min?: number; max?: number } = {},
): number {
  return checkNumber(where, what, value, range);
}

export function booleanOption(value: unknown, what: string, where: string): boolean {
  return checkBoolean(where, what, value);
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
  where: string,
): T {
  return checkOneOf(where, what, value, allowed);
}

/** An integer or a pair [height, width] of integers, as PyTorch's `_pair`. */
export function intPair(
  value: unknown,
  what: string,
  where: string,
  minimum: 0 | 1,
): [number, number] {
  const ok = (v: unknown): v is number =>
    typeof v === 'number' && Number.isInteger(v) && v >= minimum;
  if (ok(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1])) {
    return [value[0], value[1]];
  }
  throw new ArgumentError(
    `${where}: ${what} must be an integer >= ${minimum} or a pair [height, width] of them, got ${describe(value)}`,
  );
}

/** A float32 tensor of the given rank; the error names the layer and what it expects. */
export function checkInput(x: unknown, rank: number, where: string, layout: string): tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    throw new ArgumentError(`${where}: expected a ${layout} tensor, got ${describe(x)}`);
  }
  if (x.rank !== rank) {
    throw new ShapeError(`${where}: expected a rank-${rank} ${layout} tensor, got ${describe(x)}`);
  }
  if (x.dtype !== 'float32') {
    throw new ArgumentError(`${where}: expected a float32 tensor, got ${x.dtype}`);
  }
  return x;
}

/** An NHWC image batch with `channels` channels (any count when undefined). */
export function checkNHWC(x: unknown, where: string, channels?: number): tf.Tensor4D {
  const t = checkInput(x, 4, where, 'NHWC [N, H, W, C]') as tf.Tensor4D;
  if (channels !== undefined && t.shape[3] !== channels) {
    throw new ShapeError(
      `${where}: expected ${channels} input channels (NHWC, last axis), got ${describe(t)}`,
    );
  }
  return t;
}

/** A tensor of rank >= 1 whose last axis has `features` entries. */
export function checkFeatures(x: unknown, where: string, features: number): tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    throw new ArgumentError(`${where}: expected a tensor [..., ${features}], got ${describe(x)}`);
  }
  if (x.rank < 1 || x.shape[x.rank - 1] !== features) {
    throw new ShapeError(
      `${where}: expected ${features} features on the last axis, got ${describe(x)}`,
    );
  }
  if (x.dtype !== 'float32') {
    throw new ArgumentError(`${where}: expected a float32 tensor, got ${x.dtype}`);
  }
  return x;
}
