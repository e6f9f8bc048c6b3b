import {
  ArgumentError,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  describe,
  ShapeError,
  tf,
} from '@atelier/core';

/**
 * Input checks shared by the package. Each throws a typed error from @atelier/core that
 * names the function, the argument, what was expected and what came.
 */

/*
 * Scalar and option checks are @atelier/core's (one wording for every package); their
 * argument order, (fn, name, value, ...), is the one this package uses.
 */
export function optionsArg<T extends object>(fn: string, value: T | undefined): T {
  return checkOptions(fn, value);
}

export const finiteNumber = checkNumber;
export const oneOf = checkOneOf;

export function integerArg(
  fn: string,
  name: string,
  value: unknown,
  min = 1,
  max?: number,
): number {
  return checkInt(fn, name, value, max === undefined ? { min } : { min, max });
}

/** A seed: any safe integer; 0 when absent. */
export function seedArg(fn: string, value: unknown): number {
  return checkInt(fn, 'seed', value ?? 0);
}

/**
 * An RGB image as a batch of one, [1, H, W, 3] float32: takes [H, W, 3] or [1, H, W, 3]
 * (the caller keeps ownership; the result may be a new tensor to dispose).
 */
export function rgbImageArg(fn: string, name: string, value: unknown, minSide = 1): tf.Tensor4D {
  if (!(value instanceof tf.Tensor)) {
    throw new ArgumentError(
      `${fn}: ${name} must be an RGB image tensor [H, W, 3] or [1, H, W, 3] with values in [0, 255], got ${describe(value)}`,
    );
  }
  if (value.isDisposed) throw new ArgumentError(`${fn}: ${name} has been disposed`);
  if (value.dtype !== 'float32' && value.dtype !== 'int32') {
    throw new ArgumentError(`${fn}: ${name} must be float32 or int32, got ${value.dtype}`);
  }
  const shape = value.shape;
  const ok =
    (value.rank === 3 && shape[2] === 3) || (value.rank === 4 && shape[0] === 1 && shape[3] === 3);
  if (!ok) {
    throw new ShapeError(
      `${fn}: ${name} must be an RGB image [H, W, 3] or [1, H, W, 3], got shape [${shape.join(', ')}]`,
    );
  }
  const h = shape[value.rank - 3]!;
  const w = shape[value.rank - 2]!;
  if (h < minSide || w < minSide) {
    throw new ShapeError(`${fn}: ${name} must be at least ${minSide}x${minSide}, got ${h}x${w}`);
  }
  return tf.tidy(() => {
    const x = value.dtype === 'float32' ? value : tf.cast(value, 'float32');
    return (value.rank === 3 ? tf.expandDims(x, 0) : tf.clone(x)) as tf.Tensor4D;
  });
}

/**
 * A mask [H, W], [H, W, 1] or [1, H, W, 1] with values in [0, 1] (or [0, 255], detected
 * from its maximum and scaled down), as [1, H, W, 1].
 */
export async function maskArg(fn: string, name: string, value: unknown): Promise<tf.Tensor4D> {
  if (!(value instanceof tf.Tensor)) {
    throw new ArgumentError(
      `${fn}: ${name} must be a mask tensor [H, W], [H, W, 1] or [H, W, 3] (grey or RGB; values in [0, 1] or [0, 255]), got ${describe(value)}`,
    );
  }
  if (value.isDisposed) throw new ArgumentError(`${fn}: ${name} has been disposed`);
  const s = value.shape;
  let hw: [number, number];
  if (value.rank === 2) hw = [s[0]!, s[1]!];
  else if (value.rank === 3 && (s[2] === 1 || s[2] === 3)) hw = [s[0]!, s[1]!];
  else if (value.rank === 4 && s[0] === 1 && (s[3] === 1 || s[3] === 3)) hw = [s[1]!, s[2]!];
  else {
    throw new ShapeError(
      `${fn}: ${name} must be [H, W], [H, W, 1|3] or [1, H, W, 1|3], got shape [${s.join(', ')}]`,
    );
  }
  const range = tf.tidy(() => tf.cast(tf.stack([tf.min(value), tf.max(value)]), 'float32'));
  const [min, max] = (await range.data()) as Float32Array;
  range.dispose();
  if (!(min! >= 0) || !(max! <= 255)) {
    throw new ArgumentError(
      `${fn}: ${name} must have values in [0, 1] or [0, 255], got a range of [${min}, ${max}]`,
    );
  }
  const scale = max! > 1 ? 1 / 255 : 1;
  return tf.tidy(() => {
    let m = tf.reshape(tf.cast(value, 'float32'), [1, hw[0], hw[1], -1]);
    // An RGB mask counts by its mean (white is 1, black 0).
    if (m.shape[3] === 3) m = tf.mean(m, 3, true);
    return tf.mul(m, scale) as tf.Tensor4D;
  });
}
