import { ArgumentError, type tf } from '@atelier/core';
import { Dataset } from '../pipeline/dataset.js';
import { checkChannels } from './aligned-folder.js';
import { checkPath, listFolders, listImages } from './files.js';
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

export interface ImageFolderOptions extends ImageSourceOptions {
  /** A folder with one sub-folder per class (ImageNet / torchvision ImageFolder layout). */
  dir: string;
  channels?: 1 | 3;
}

export interface LabelledSample {
  image: tf.Tensor3D;
  /** Index of the class folder in `classes` (sorted names, as torchvision). */
  label: number;
  path: string;
}

export interface ImageFolderDataset extends Dataset<LabelledSample> {
  readonly classes: string[];
}

/**
 * Images in class sub-folders: label i is the i-th folder name in sorted order.
 *
 * @example
 * const images = await imageFolder({ dir: 'photos/', channels: 3 });
 */
export async function imageFolder(options: ImageFolderOptions): Promise<ImageFolderDataset> {
  const fn = 'imageFolder';
  const source = await resolveSource(fn, options);
  const channels = checkChannels(options.channels, fn);
  const root = checkPath(options?.dir, fn);
  const { join } = await import('node:path');
  const classes = await listFolders(root, fn);
  if (classes.length === 0) throw new ArgumentError(`${fn}: ${root}: no class sub-folders`);
  const samples: { path: string; label: number }[] = [];
  const reported = new Set<string>();
  for (const [label, name] of classes.entries()) {
    const files = await listImages(join(root, name), fn, {
      ...listing(source, reported),
      recursive: true,
      root,
    });
    for (const path of files) samples.push({ path, label });
  }
  const load = loader(source, samples.length);
  const dataset = Dataset.indexed(samples.length, (index, epoch) =>
    loadSample(
      source,
      async () => {
        const { path, label } = samples[index]!;
        const task = imageTask(source, {
          path,
          channels,
          split: 'none',
          draws: drawsFor(source.seed, 'imagefolder', epoch, index, 1),
        });
        const [part] = await load(task);
        return { image: partTensor(part!), label, path };
      },
      reported,
    ),
  );
  return Object.assign(dataset, { classes });
}
