import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

/** A positive integer option, or an ArgumentError naming the layer and the option. */
export function positiveInt(value: unknown, what: string, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ArgumentError(`${where}: ${what} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** A non-negative integer option. */
export function nonNegativeInt(value: unknown, what: string, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ArgumentError(
      `${where}: ${what} must be a non-negative integer, got ${describe(value)}`,
    );
  }
  return value;
}

/** A finite number option, optionally within [min, max]. */
export function finiteNumber(
  value: unknown,
  what: string,
  where: string,
  range: { min?: number; max?: number } = {},
): number {
  const { min = -Infinity, max = Infinity } = range;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const bounds =
      min > -Infinity && max < Infinity
        ? ` in [${min}, ${max}]`
        : min > -Infinity
          ? ` >= ${min}`
          : max < Infinity
            ? ` <= ${max}`
            : '';
    throw new ArgumentError(
      `${where}: ${what} must be a finite number${bounds}, got ${describe(value)}`,
    );
  }
  return value;
}

export function booleanOption(value: unknown, what: string, where: string): boolean {
  if (typeof value !== 'boolean') {
    throw new ArgumentError(`${where}: ${what} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
  where: string,
): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ArgumentError(
      `${where}: ${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`,
    );
  }
  return value as T;
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
