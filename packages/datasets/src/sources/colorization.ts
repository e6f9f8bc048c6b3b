import type { tf } from '@atelier/core';
import { Dataset } from '../pipeline/dataset.js';
import { checkPath, listImages } from './files.js';
import {
  drawsFor,
  type ImageSourceOptions,
  imageTask,
  listing,
  loader,
  loadSample,
  partTensor,
  resolveSource,
} from './image-source.js';

export interface ColorizationOptions extends Omit<ImageSourceOptions, 'range'> {
  /** A folder of colour images. */
  dir: string;
  recursive?: boolean;
}

export interface ColorizationSample {
  /** Lightness, L / 50 - 1, in [-1, 1]: [H, W, 1]. */
  L: tf.Tensor3D;
  /** Chroma, (a, b) / 110, about [-1, 1]: [H, W, 2]. */
  ab: tf.Tensor3D;
  path: string;
}

/**
 * Colourisation pairs (junyanz's ColorizationDataset): each image is preprocessed in
 * RGB, converted to CIE Lab exactly (see image/lab.ts), and split into the L channel
 * (input) and the ab channels (target), scaled as junyanz does. `labToRgb` inverts it:
 * L = (L' + 1) * 50, ab = ab' * 110.
 */
export async function colorization(
  options: ColorizationOptions,
): Promise<Dataset<ColorizationSample>> {
  const fn = 'colorization';
  const source = await resolveSource(fn, options);
  const reported = new Set<string>();
  const files = await listImages(checkPath(options?.dir, fn), fn, {
    ...listing(source, reported),
    recursive: options.recursive,
  });
  const load = loader(source, files.length);
  return Dataset.indexed(files.length, (index, epoch) =>
    loadSample(
      source,
      async () => {
        const path = files[index]!;
        const task = imageTask(source, {
          path,
          channels: 3,
          split: 'none',
          output: 'lab',
          draws: drawsFor(source.seed, 'colorization', epoch, index, 1),
        });
        const [L, ab] = await load(task);
        return { L: partTensor(L!), ab: partTensor(ab!), path };
      },
      reported,
    ),
  );
}
