import { rng, type tf } from '@atelier/core';
import { Dataset } from '../pipeline/dataset.js';
import { checkChannels, checkDirection, type Direction } from './aligned-folder.js';
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

export interface UnalignedFolderOptions extends ImageSourceOptions {
  /** The dataset root holding trainA/, trainB/, testA/, testB/ (CycleGAN's layout). */
  root?: string;
  /** Which pair of folders: `${phase}A` and `${phase}B`. Default 'train'. */
  phase?: string;
  /** Or the two folders themselves. */
  dirA?: string;
  dirB?: string;
  direction?: Direction;
  /**
   * junyanz's --serial_batches: B[i mod |B|] goes with A[i]. Otherwise (default) the B
   * side follows its own seeded shuffle each epoch, independent of A's order.
   */
  serialBatches?: boolean;
  channels?: 1 | 3;
}

export interface UnpairedSample {
  A: tf.Tensor3D;
  B: tf.Tensor3D;
  pathA: string;
  pathB: string;
}

/**
 * CycleGAN's unaligned dataset: an epoch has max(|A|, |B|) samples; sample i takes
 * A[i mod |A|] and a B drawn independently, each side with its own random crop and flip.
 * Shuffle A with `.shuffle(seed)` as usual.
 *
 * @example
 * const horse2zebra = await unalignedFolder({ root: 'datasets/horse2zebra', phase: 'train' });
 */
export async function unalignedFolder(
  options: UnalignedFolderOptions,
): Promise<Dataset<UnpairedSample>> {
  const fn = 'unalignedFolder';
  const source = await resolveSource(fn, options);
  const direction = checkDirection(options.direction, fn);
  const channels = checkChannels(options.channels, fn);
  let dirA: string;
  let dirB: string;
  if (options.root !== undefined) {
    const { join } = await import('node:path');
    const phase = options.phase ?? 'train';
    dirA = join(checkPath(options.root, fn), `${phase}A`);
    dirB = join(options.root, `${phase}B`);
  } else {
    dirA = checkPath(options.dirA, `${fn}: dirA (or root)`);
    dirB = checkPath(options.dirB, `${fn}: dirB (or root)`);
  }
  if (direction === 'BtoA') [dirA, dirB] = [dirB, dirA];
  const refused = new Set<string>();
  const filesA = await listImages(dirA, fn, listing(source, refused));
  const filesB = await listImages(dirB, fn, listing(source, refused));
  const size = Math.max(filesA.length, filesB.length);
  const serial = options.serialBatches ?? false;
  const sideB = rng(source.seed).fork('unaligned B');
  let order: { epoch: number; perm: number[] } | undefined;
  const bIndex = (i: number, epoch: number) => {
    if (serial) return i % filesB.length;
    if (order?.epoch !== epoch)
      order = { epoch, perm: sideB.fork(`epoch ${epoch}`).permutation(filesB.length) };
    return order.perm[i % filesB.length]!;
  };
  const reported = new Set<string>();
  const load = loader(source, filesA.length + filesB.length);
  return Dataset.indexed(size, (index, epoch) =>
    loadSample(
      source,
      async () => {
        const pathA = filesA[index % filesA.length]!;
        const pathB = filesB[bIndex(index, epoch)]!;
        const [a, b] = drawsFor(source.seed, 'unaligned', epoch, index, 2);
        const [[partA], [partB]] = await Promise.all([
          load(imageTask(source, { path: pathA, channels, split: 'none', draws: [a!] })),
          load(imageTask(source, { path: pathB, channels, split: 'none', draws: [b!] })),
        ]);
        return { A: partTensor(partA!), B: partTensor(partB!), pathA, pathB };
      },
      reported,
    ),
  );
}
