import { ArgumentError, describe, rng, tf } from '@atelier/core';
import { resampleWindow } from '../image/resample.js';
import type { SampleContext } from './dataset.js';
import {
  drawParams,
  type PreprocessOptions,
  preprocessWindow,
  resolvePreprocess,
} from './preprocess.js';

export interface AugmentOptions extends PreprocessOptions {
  /** Seed of the crops and flips; sample i of epoch e always gets the same. Default 0. */
  seed?: number;
  /** Fields to transform; default every tensor of rank 2 ([H, W] maps) or 3 ([H, W, C]). */
  fields?: string[];
}

/**
 * junyanz's preprocessing (resize, random crop, flip) as a seeded augmentation for
 * records of tensors, e.g. the synthetic sets: `ds.mapAsync(augment({ seed: 1 }))`.
 * Every field gets the same crop and flip, so a label map stays aligned with its photo;
 * integer tensors (label maps) are resampled with nearest neighbours, others bicubic.
 * Values are not clipped (the range is the caller's).
 */
export function augment<T extends object>(
  options: AugmentOptions = {},
): (x: T, context: SampleContext) => Promise<T> {
  const o = resolvePreprocess(options);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed))
    throw new ArgumentError(`augment: seed must be a safe integer, got ${describe(seed)}`);
  const root = rng(seed);
  return async (x, { index, epoch }) => {
    const r = root.fork(`augment ${epoch} ${index}`);
    const draws = [r.float(), r.float(), r.float()];
    const out: Record<string, unknown> = { ...(x as Record<string, unknown>) };
    for (const [key, value] of Object.entries(x as Record<string, unknown>)) {
      if (!(value instanceof tf.Tensor)) continue;
      if (options.fields ? !options.fields.includes(key) : value.rank !== 2 && value.rank !== 3)
        continue;
      if (value.rank !== 2 && value.rank !== 3) {
        throw new ArgumentError(
          `augment: field ${key} must be [H, W] or [H, W, C], got ${describe(value)}`,
        );
      }
      const [height, width] = value.shape as [number, number];
      const channels = value.rank === 3 ? value.shape[2]! : 1;
      let k = 0;
      const params = drawParams(width, height, o, () => draws[k++ % 3]!);
      const window = preprocessWindow(width, height, o, params);
      const integer = value.dtype === 'int32';
      const data = Float32Array.from(await value.data());
      const result = resampleWindow({ data, height, width, channels }, window, {
        interpolation: integer ? 'nearest' : o.interpolation,
      });
      const shape =
        value.rank === 3 ? [result.height, result.width, channels] : [result.height, result.width];
      out[key] = integer
        ? tf.tensor(Int32Array.from(result.data), shape, 'int32')
        : tf.tensor(result.data, shape, 'float32');
    }
    return out as T;
  };
}
