import { ArgumentError, describe, type tf } from '@atelier/core';
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

export type Direction = 'AtoB' | 'BtoA';

export interface AlignedFolderOptions extends ImageSourceOptions {
  /** A folder of pairs side by side, A on the left (pix2pix's facades, maps, edges2shoes: e.g. 'facades/train'). */
  dir?: string;
  /** Or two parallel folders whose files pair up by name. */
  dirA?: string;
  dirB?: string;
  /** 'BtoA' swaps the roles (facades is photo|labels; labels -> photo is BtoA). Default 'AtoB'. */
  direction?: Direction;
  /** 3 (default) or 1 (grey) channels for both sides. */
  channels?: 1 | 3;
}

export interface PairSample {
  A: tf.Tensor3D;
  B: tf.Tensor3D;
  pathA: string;
  pathB: string;
}

export function checkDirection(direction: unknown, fn: string): Direction {
  if (direction === undefined) return 'AtoB';
  if (direction !== 'AtoB' && direction !== 'BtoA') {
    throw new ArgumentError(
      `${fn}: direction must be 'AtoB' or 'BtoA', got ${describe(direction)}`,
    );
  }
  return direction;
}

export function checkChannels(channels: unknown, fn: string): 1 | 3 {
  if (channels === undefined) return 3;
  if (channels !== 1 && channels !== 3)
    throw new ArgumentError(`${fn}: channels must be 1 or 3, got ${describe(channels)}`);
  return channels;
}

async function basename(path: string): Promise<string> {
  const { basename: base } = await import('node:path');
  return base(path);
}

/**
 * pix2pix's aligned dataset: each sample is a pair (A, B) with the same random crop and
 * flip applied to both sides (junyanz's AlignedDataset), from one folder of side-by-side
 * images or two folders of files with the same names.
 */
export async function alignedFolder(options: AlignedFolderOptions): Promise<Dataset<PairSample>> {
  const fn = 'alignedFolder';
  const source = await resolveSource(fn, options);
  const direction = checkDirection(options.direction, fn);
  const channels = checkChannels(options.channels, fn);
  const reported = new Set<string>();
  const swap = direction === 'BtoA';

  if (options.dir !== undefined) {
    if (options.dirA !== undefined || options.dirB !== undefined) {
      throw new ArgumentError(
        `${fn}: give either dir (side-by-side pairs) or dirA and dirB, not both`,
      );
    }
    const files = await listImages(checkPath(options.dir, fn), fn, listing(source, reported));
    const load = loader(source, files.length);
    return Dataset.indexed(files.length, (index, epoch) =>
      loadSample(
        source,
        async () => {
          const path = files[index]!;
          const task = imageTask(source, {
            path,
            channels,
            split: 'halves',
            draws: drawsFor(source.seed, 'aligned', epoch, index, 1),
          });
          const [left, right] = await load(task);
          const [a, b] = swap ? [right!, left!] : [left!, right!];
          return { A: partTensor(a), B: partTensor(b), pathA: path, pathB: path };
        },
        reported,
      ),
    );
  }

  const dirA = checkPath(options.dirA, `${fn}: dirA`);
  const dirB = checkPath(options.dirB, `${fn}: dirB`);
  const filesA = await listImages(dirA, fn, listing(source, reported));
  const filesB = await listImages(dirB, fn, listing(source, reported));
  const byName = new Map<string, string>();
  for (const f of filesB) byName.set(await basename(f), f);
  const pairs: [string, string][] = [];
  const unmatched: string[] = [];
  for (const f of filesA) {
    const partner = byName.get(await basename(f));
    if (partner) pairs.push([f, partner]);
    else unmatched.push(await basename(f));
  }
  if (unmatched.length > 0 || pairs.length !== filesB.length) {
    throw new ArgumentError(
      `${fn}: ${dirA} and ${dirB} must hold files of the same names; ${unmatched.length} of A without a partner (${unmatched.slice(0, 3).join(', ')}${unmatched.length > 3 ? ', ...' : ''}), ${filesB.length - pairs.length} of B without one`,
    );
  }
  const load = loader(source, 2 * pairs.length);
  return Dataset.indexed(pairs.length, (index, epoch) =>
    loadSample(
      source,
      async () => {
        const [pathA, pathB] = swap ? [pairs[index]![1], pairs[index]![0]] : pairs[index]!;
        const draws = drawsFor(source.seed, 'aligned', epoch, index, 1);
        const [[a], [b]] = await Promise.all([
          load(imageTask(source, { path: pathA, channels, split: 'none', draws })),
          load(imageTask(source, { path: pathB, channels, split: 'none', draws })),
        ]);
        return { A: partTensor(a!), B: partTensor(b!), pathA, pathB };
      },
      reported,
    ),
  );
}
