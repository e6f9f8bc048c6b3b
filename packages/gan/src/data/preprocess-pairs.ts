import { rng, tf } from '@atelier/core';
import {
  type Dataset,
  drawParams,
  type PreprocessOptions,
  preprocess,
  resolvePreprocess,
} from '@atelier/datasets';

/**
 * junyanz's preprocessing (resize, random crop, random flip) applied to images that are
 * already tensors in [-1, 1] (the synthetic sets), with one draw per sample shared by
 * the fields of a pair (pix2pix: A and B get the same crop and flip) or one per field
 * (CycleGAN: each side its own). Draws come from (seed, epoch, index), so a resumed run
 * sees the same crops.
 */
export function preprocessFields<T extends Record<string, unknown>>(
  dataset: Dataset<T>,
  fields: string[],
  options: PreprocessOptions & { shared: boolean; seed: number },
): Dataset<T> {
  const o = resolvePreprocess(options);
  if (o.preprocess === 'none' && !o.flip) return dataset;
  const root = rng(options.seed).fork('preprocess');
  return dataset.map((sample, { index, epoch }) => {
    const r = root.fork(`${epoch} ${index}`);
    const out: Record<string, unknown> = { ...sample };
    let shared: ReturnType<typeof drawParams> | undefined;
    for (const field of fields) {
      const image = sample[field] as tf.Tensor3D;
      const [height, width, channels] = image.shape;
      const params = options.shared
        ? (shared ??= drawParams(width, height, o, () => r.float()))
        : drawParams(width, height, o, () => r.float());
      // [-1, 1] to [0, 1] for the resampler (it clamps to [0, full]), and back.
      const unit = Float32Array.from(image.dataSync(), (v) => (v + 1) / 2);
      const p = preprocess({ data: unit, height, width, channels }, o, params, 1);
      out[field] = tf.tensor3d(
        Float32Array.from(p.data, (v) => v * 2 - 1),
        [p.height, p.width, p.channels],
      );
    }
    return out as T;
  });
}
