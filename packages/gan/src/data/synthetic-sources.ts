import type { tf } from '@atelier/core';
import { type Dataset, synthetic } from '@atelier/datasets';
import type { SyntheticSource } from '../harnesses/descriptor.js';

function pick<T>(dataset: Dataset<T>, map: (s: T) => Record<string, unknown>): Dataset<unknown> {
  return dataset.map((s) => map(s) as tf.TensorContainer) as Dataset<unknown>;
}

/** Synthetic sets as pairs { A, B }: what pix2pix-like and CycleGAN-like harnesses take. */
export const PAIR_SETS = {
  facades: {
    count: 400,
    load: (base) => ({
      dataset: pick(synthetic.facades(base), (s) => ({ A: s.A, B: s.B })),
      channels: { A: 3, B: 3 },
    }),
  },
  shapes: {
    count: 2000,
    load: (base) => ({
      dataset: pick(synthetic.shapes(base), (s) => ({ A: s.edges, B: s.image })),
      channels: { A: 1, B: 3 },
    }),
  },
  sketches: {
    count: 400,
    load: (base) => ({
      dataset: synthetic.sketches(base) as unknown as Dataset<unknown>,
      channels: { A: 1, B: 1 },
    }),
  },
  seasons: {
    count: 400,
    load: (base) => ({
      dataset: synthetic.seasons(base) as unknown as Dataset<unknown>,
      channels: { A: 3, B: 3 },
    }),
  },
} satisfies Record<string, SyntheticSource>;

/** Synthetic sets as { image, label }: what unconditional and class-conditional GANs take. */
export const IMAGE_SETS = {
  shapes: {
    count: 2000,
    load: (base) => ({
      // One object an image: the label then describes the whole image.
      dataset: pick(synthetic.shapes({ ...base, twoObjectChance: 0 }), (s) => ({
        image: s.image,
        label: s.label,
      })),
      channels: { image: 3 },
      classNames: [...synthetic.SHAPE_CLASSES],
    }),
  },
  glyphs: {
    count: 2000,
    load: (base) => ({
      dataset: pick(synthetic.glyphs(base), (s) => ({ image: s.image, label: s.label })),
      channels: { image: 1 },
    }),
  },
  textures: {
    count: 1000,
    load: (base) => ({
      dataset: pick(synthetic.textures(base), (s) => ({ image: s.image, label: s.kind })),
      channels: { image: 3 },
      classNames: [...synthetic.TEXTURE_KINDS],
    }),
  },
} satisfies Record<string, SyntheticSource>;
