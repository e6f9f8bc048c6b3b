import { ArgumentError, describe, FormatError, tf } from '@atelier/core';
import { CIFAR10_CLASSES, type CifarBatch, decodeCifar10 } from '../formats/cifar.js';
import { checkRange, type ImageRange, scaleInto } from '../image/range.js';
import { Dataset } from '../pipeline/dataset.js';
import { type DataFileOptions, readFolderFile, resolveDataFiles } from './data-files.js';
import { checkPath, exists, type ProgressCallback, requireNode } from './files.js';

export interface Cifar10Options extends DataFileOptions {
  /** cifar-10-batches-bin/ (or the folder that holds it). */
  dir: string;
  /** 'train' (data_batch_1..5.bin) or 'test' (test_batch.bin). Default 'train'. */
  split?: 'train' | 'test';
  range?: ImageRange;
  /** Skip a corrupt batch file with a warning instead of failing. */
  skipBroken?: boolean;
  onWarning?: (message: string) => void;
  onProgress?: ProgressCallback;
}

export interface Cifar10Sample {
  /** [32, 32, 3]. */
  image: tf.Tensor3D;
  label: number;
}

export interface Cifar10Dataset extends Dataset<Cifar10Sample> {
  readonly classes: readonly string[];
}

/** CIFAR-10's binary version: the batches of a split, read at once, one tensor per sample on demand. */
export async function cifar10(options: Cifar10Options): Promise<Cifar10Dataset> {
  const fn = 'cifar10';
  requireNode(fn);
  const { join } = await import('node:path');
  let dir = checkPath(options?.dir, fn);
  if (await exists(join(dir, 'cifar-10-batches-bin'))) dir = join(dir, 'cifar-10-batches-bin');
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') {
    throw new ArgumentError(`${fn}: split must be 'train' or 'test', got ${describe(split)}`);
  }
  const range = checkRange(options.range, fn);
  const policy = resolveDataFiles(options, fn);
  const names =
    split === 'train' ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin'];
  const batches: CifarBatch[] = [];
  for (const [k, name] of names.entries()) {
    const path = join(dir, name);
    options.onProgress?.({ stage: 'read', done: k, total: names.length, path });
    try {
      batches.push(decodeCifar10(await readFolderFile(path, dir, fn, policy), path));
    } catch (error) {
      if (!options.skipBroken || !(error instanceof FormatError || error instanceof ArgumentError))
        throw error;
      (options.onWarning ?? console.warn)(`skipping a broken file: ${(error as Error).message}`);
    }
  }
  options.onProgress?.({ stage: 'read', done: names.length, total: names.length, path: dir });
  if (batches.length === 0) throw new FormatError(`${fn}: ${dir}: no readable ${split} batch`);
  const offsets: number[] = [];
  let count = 0;
  for (const b of batches) {
    offsets.push(count);
    count += b.count;
  }
  const pixels = 32 * 32 * 3;
  const dataset = Dataset.indexed(count, (index) => {
    let k = batches.length - 1;
    while (offsets[k]! > index) k--;
    const batch = batches[k]!;
    const i = index - offsets[k]!;
    const values = Float32Array.from(batch.images.subarray(i * pixels, (i + 1) * pixels));
    return {
      image: tf.tensor3d(scaleInto(values, 255, range), [32, 32, 3], 'float32'),
      label: batch.labels[i]!,
    };
  });
  return Object.assign(dataset, { classes: CIFAR10_CLASSES });
}
