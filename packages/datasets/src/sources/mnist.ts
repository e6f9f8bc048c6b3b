import { ArgumentError, describe, FormatError, tf } from '@atelier/core';
import { gunzipIfNeeded } from '../formats/gzip.js';
import { decodeIdx, idxByteLength } from '../formats/idx.js';
import { checkRange, type ImageRange, scaleInto } from '../image/range.js';
import { Dataset } from '../pipeline/dataset.js';
import { type DataFileOptions, readFolderFile, resolveDataFiles } from './data-files.js';
import { checkPath, exists, type ProgressCallback, requireNode } from './files.js';

export interface MnistOptions extends DataFileOptions {
  /** The folder holding the four IDX files (gzipped or not), as published. */
  dir: string;
  /** 'train' (train-*) or 'test' (t10k-*). Default 'train'. */
  split?: 'train' | 'test';
  /** Default 'signed' [-1, 1]. */
  range?: ImageRange;
  onProgress?: ProgressCallback;
}

export interface MnistSample {
  /** [28, 28, 1]. */
  image: tf.Tensor3D;
  label: number;
}

async function locate(dir: string, stem: string, fn: string): Promise<string> {
  const { join } = await import('node:path');
  // The published names, and the names some mirrors use (dots instead of dashes).
  for (const name of [
    stem,
    `${stem}.gz`,
    stem.replace('-idx', '.idx'),
    `${stem.replace('-idx', '.idx')}.gz`,
  ]) {
    const path = join(dir, name);
    if (await exists(path)) return path;
  }
  throw new ArgumentError(`${fn}: ${dir}: no ${stem} or ${stem}.gz`);
}

/**
 * MNIST or Fashion-MNIST (same files, same layout) from IDX files, gzipped or not. The
 * whole split is read at once (47 MB for MNIST's training images); each sample is one
 * tensor made on demand.
 *
 * @example
 * const train = await mnist({ dir: 'mnist/' }); // the IDX files, gzipped or not
 */
export async function mnist(options: MnistOptions): Promise<Dataset<MnistSample>> {
  const fn = 'mnist';
  requireNode(fn);
  const dir = checkPath(options?.dir, fn);
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') {
    throw new ArgumentError(`${fn}: split must be 'train' or 'test', got ${describe(split)}`);
  }
  const range = checkRange(options.range, fn);
  const policy = resolveDataFiles(options, fn);
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagePath = await locate(dir, `${prefix}-images-idx3-ubyte`, fn);
  const labelPath = await locate(dir, `${prefix}-labels-idx1-ubyte`, fn);
  const read = async (path: string, step: number) => {
    options.onProgress?.({ stage: 'read', done: step, total: 2, path });
    const bytes = await readFolderFile(path, dir, fn, policy);
    // Inflated no further than the IDX header declares (and within the file limit).
    const limits = { maxBytes: policy.maxFileBytes, declaredSize: idxByteLength };
    return decodeIdx(await gunzipIfNeeded(bytes, path, limits), path);
  };
  const images = await read(imagePath, 0);
  const labels = await read(labelPath, 1);
  options.onProgress?.({ stage: 'read', done: 2, total: 2, path: labelPath });
  if (images.type !== 'ubyte' || images.shape.length !== 3) {
    throw new FormatError(
      `${imagePath}: expected ubyte images [N, rows, cols], got ${images.type} [${images.shape.join(', ')}]`,
    );
  }
  if (labels.type !== 'ubyte' || labels.shape.length !== 1) {
    throw new FormatError(
      `${labelPath}: expected ubyte labels [N], got ${labels.type} [${labels.shape.join(', ')}]`,
    );
  }
  const [count, rows, cols] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) {
    throw new FormatError(
      `${labelPath}: ${labels.shape[0]} labels for ${count} images in ${imagePath}`,
    );
  }
  const bad = labels.data.findIndex((v) => v > 9);
  if (bad >= 0)
    throw new FormatError(`${labelPath}: label ${bad} is ${labels.data[bad]}, expected 0..9`);
  const pixels = rows * cols;
  return Dataset.indexed(count, (index) => {
    const values = Float32Array.from(images.data.subarray(index * pixels, (index + 1) * pixels));
    return {
      image: tf.tensor3d(scaleInto(values, 255, range), [rows, cols, 1], 'float32'),
      label: labels.data[index]!,
    };
  });
}
