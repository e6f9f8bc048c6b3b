import type { tf } from '@atelier/core';
import { Dataset } from '../pipeline/dataset.js';
import { checkChannels } from './aligned-folder.js';
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

export interface SingleFolderOptions extends ImageSourceOptions {
  dir: string;
  channels?: 1 | 3;
  /** Look into sub-folders too. Default false. */
  recursive?: boolean;
}

export interface SingleSample {
  image: tf.Tensor3D;
  path: string;
}

/**
 * The images of one folder, for inference (junyanz's SingleDataset). Flips are off by
 * default here, as junyanz's test script sets --no_flip.
 */
export async function singleFolder(options: SingleFolderOptions): Promise<Dataset<SingleSample>> {
  const fn = 'singleFolder';
  const source = await resolveSource(fn, options, { flip: false });
  const channels = checkChannels(options.channels, fn);
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
          channels,
          split: 'none',
          draws: drawsFor(source.seed, 'single', epoch, index, 1),
        });
        const [part] = await load(task);
        return { image: partTensor(part!), path };
      },
      reported,
    ),
  );
}
