import { ArgumentError, describe, type Rng, rng, tf } from '@atelier/core';
import { checkRange, type ImageRange, scaleInto } from '../image/range.js';
import { Dataset } from '../pipeline/dataset.js';

/** The options every synthetic set takes. */
export interface SyntheticOptions {
  /** Any safe integer; the same seed gives the same bytes. Default 0. */
  seed?: number;
  /** Side of the square images in pixels. Default 64. */
  size?: number;
  /** Number of samples. Default 128. */
  count?: number;
  /** Value range of the images: 'signed' [-1, 1] (default), 'unit' [0, 1] or 'byte' [0, 255]. */
  range?: ImageRange;
}

export interface ResolvedSynthetic {
  seed: number;
  size: number;
  count: number;
  range: ImageRange;
}

export function resolveSynthetic(
  name: string,
  options: SyntheticOptions,
  minSize = 16,
): ResolvedSynthetic {
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError(
      `synthetic.${name}: expected an options object, got ${describe(options)}`,
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) {
    throw new ArgumentError(
      `synthetic.${name}: seed must be a safe integer, got ${describe(seed)}`,
    );
  }
  const size = options.size ?? 64;
  if (!Number.isInteger(size) || size < minSize || size > 4096) {
    throw new ArgumentError(
      `synthetic.${name}: size must be an integer in [${minSize}, 4096], got ${describe(size)}`,
    );
  }
  const count = options.count ?? 128;
  if (!Number.isInteger(count) || count < 1) {
    throw new ArgumentError(
      `synthetic.${name}: count must be a positive integer, got ${describe(count)}`,
    );
  }
  return { seed, size, count, range: checkRange(options.range, `synthetic.${name}`) };
}

/** Sample `index`'s own generator: samples are independent of the order they are drawn in. */
export function sampleRng(seed: number, name: string, index: number): Rng {
  return rng(seed).fork(`${name} ${index}`);
}

/** A uniform number in [lo, hi). */
export function between(r: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * r.float();
}

/** An element of `items`, uniformly. */
export function pick<T>(r: Rng, items: readonly T[]): T {
  return items[r.int(items.length)]!;
}

/** A standard normal number (Box-Muller). */
export function gaussian(r: Rng): number {
  const u = 1 - r.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.float());
}

/** One image tensor [size, size, channels] from values in [0, 1] (the array is scaled in place). */
export function imageTensor(
  data: Float32Array,
  size: number,
  channels: number,
  range: ImageRange,
): tf.Tensor3D {
  return tf.tensor3d(scaleInto(data, 1, range), [size, size, channels], 'float32');
}

/** The dataset of `count` samples, sample i made by `make(sampleRng(seed, name, i), i)`. */
export function syntheticDataset<T>(
  name: string,
  o: ResolvedSynthetic,
  make: (r: Rng, index: number) => T,
): Dataset<T> {
  return Dataset.indexed(o.count, (index) => make(sampleRng(o.seed, name, index), index));
}
