import { tf } from '@atelier/core';
import { type Dataset, synthetic } from '@atelier/datasets';
import type { SyntheticSource } from '../harnesses/descriptor.js';
import { captionEncoder } from '../harnesses/stackgan-text.js';

/** Length of the embeddings the package's caption encoder gives the synthetic sets. */
export const CAPTION_DIM = 256;

function captioned(twoObjectChance: number): SyntheticSource {
  return {
    count: 2000,
    load: (base) => {
      const encoder = captionEncoder({ dim: CAPTION_DIM, seed: 0 });
      const dataset = synthetic.shapes({ ...base, twoObjectChance }).map((s) => ({
        image: s.image,
        embedding: tf.tensor1d(encoder.encode(s.caption)),
        colour: s.colour,
        label: s.label,
        caption: s.caption,
      }));
      return {
        dataset: dataset as unknown as Dataset<unknown>,
        channels: { image: 3 },
        classNames: [...synthetic.SHAPE_CLASSES],
        textDim: CAPTION_DIM,
      };
    },
  };
}

/**
 * Synthetic shapes with their captions as sentence embeddings ({ image, embedding,
 * colour, label, caption }): 'shapes' one or two objects ("a red sphere above a blue
 * cube"), 'shapes-single' one object ("a green cone").
 */
export const CAPTION_SETS = {
  shapes: captioned(0.5),
  'shapes-single': captioned(0),
} satisfies Record<string, SyntheticSource>;
