import { checkInt, checkOptions, type Rng, rng, tf } from '@atelier/core';
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
  const where = `synthetic.${name}`;
  const o = checkOptions(where, options);
  const seed = checkInt(where, 'seed', o.seed ?? 0);
  const size = checkInt(where, 'size', o.size ?? 64, { min: minSize, max: 4096 });
  const count = checkInt(where, 'count', o.count ?? 128, { min: 1 });
  return { seed, size, count, range: checkRange(o.range, where) };
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
