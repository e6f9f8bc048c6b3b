import {
  ArgumentError,
  checkNumber,
  checkOneOf,
  checkOptions,
  describe,
  ShapeError,
  tf,
} from '@atelier/core';

/**
 * Input checks shared by every loss. Each throws a typed error from @atelier/core that
 * names the function, the argument, what was expected and what came.
 */

/** A float32 tensor, optionally of a given rank (or at least a given rank). */
export function tensorArg(
  fn: string,
  name: string,
  value: unknown,
  expect: { rank?: number; minRank?: number; layout?: string } = {},
): tf.Tensor {
  const what = expect.layout ? `a tensor ${expect.layout}` : 'a tensor';
  if (!(value instanceof tf.Tensor)) {
    throw new ArgumentError(`${fn}: ${name} must be ${what}, got ${describe(value)}`);
  }
  if (value.isDisposed) {
    throw new ArgumentError(`${fn}: ${name} has been disposed`);
  }
  if (value.dtype !== 'float32') {
    throw new ArgumentError(`${fn}: ${name} must be float32, got ${value.dtype}`);
  }
  if (expect.rank !== undefined && value.rank !== expect.rank) {
    throw new ShapeError(
      `${fn}: ${name} must be ${what} (rank ${expect.rank}), got ${describe(value)}`,
    );
  }
  if (expect.minRank !== undefined && value.rank < expect.minRank) {
    throw new ShapeError(
      `${fn}: ${name} must have rank >= ${expect.minRank}, got ${describe(value)}`,
    );
  }
  return value;
}

/** An NHWC image batch: rank 4 with at least one pixel. */
export function imageArg(fn: string, name: string, value: unknown): tf.Tensor4D {
  const t = tensorArg(fn, name, value, { rank: 4, layout: 'of shape [N, H, W, C]' });
  if (t.size === 0) throw new ShapeError(`${fn}: ${name} is empty, got ${describe(t)}`);
  return t as tf.Tensor4D;
}

export function sameShape(fn: string, a: [string, tf.Tensor], b: [string, tf.Tensor]): void {
  if (!tf.util.arraysEqual(a[1].shape, b[1].shape)) {
    throw new ShapeError(
      `${fn}: ${b[0]} must have the shape of ${a[0]} [${a[1].shape.join(', ')}], got [${b[1].shape.join(', ')}]`,
    );
  }
}

/**
 * `weight` must broadcast to `target`'s shape without growing it: same rank, each
 * dimension equal or 1 (a per-pixel map [N, H, W, 1] for an image [N, H, W, C]).
 */
export function broadcastsTo(fn: string, name: string, weight: tf.Tensor, target: tf.Tensor): void {
  const ok =
    weight.rank === target.rank && weight.shape.every((d, i) => d === 1 || d === target.shape[i]);
  if (!ok) {
    throw new ShapeError(
      `${fn}: ${name} must broadcast to [${target.shape.join(', ')}] (same rank, each dimension equal or 1), got [${weight.shape.join(', ')}]`,
    );
  }
}

/*
 * Scalar and option checks are @atelier/core's (one wording for every package); their
 * argument order, (fn, name, value, ...), is the one the losses use.
 */
export const finiteNumber = checkNumber;
export const oneOf = checkOneOf;

/** Options must be a plain object (or absent); catches `l1(a, b, 'sum')`. */
export function optionsArg<T extends object>(fn: string, value: T | undefined): T {
  return checkOptions(fn, value);
}

/**
 * Checks that every value of `t` lies in [min, max] (or above min, when exclusive): a
 * negative weight or variance gives a silently wrong loss. It reads two numbers back to
 * the host, so only the few losses where the sign matters use it. WebGPU reads back
 * synchronously only through OffscreenCanvas, which browsers have and Node does not:
 * there the check is skipped (shapes are still checked).
 */
export function valuesIn(
  fn: string,
  name: string,
  t: tf.Tensor,
  range: { min: number; exclusiveMin?: boolean; max?: number },
  what: string,
): void {
  if (!canReadSync()) return;
  const least = readScalar(tf.min(t));
  const most = range.max === undefined ? undefined : readScalar(tf.max(t));
  const lowOk = range.exclusiveMin ? least > range.min : least >= range.min;
  const highOk = most === undefined || most <= range.max!;
  if (!lowOk || !highOk) {
    throw new ArgumentError(
      `${fn}: ${name} must be ${what} everywhere, got values in [${least}, ${most ?? '...'}]`,
    );
  }
}

/** Whether the current backend can read a tensor back synchronously (see valuesIn). */
export function canReadSync(): boolean {
  return (
    tf.getBackend() !== 'webgpu' ||
    typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined'
  );
}

function readScalar(t: tf.Tensor): number {
  try {
    return t.dataSync()[0]!;
  } finally {
    t.dispose();
  }
}
