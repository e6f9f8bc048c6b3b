import { tf } from '@atelier/core';
import { decodeFlo } from '../formats/flo.js';
import { resolveDataFiles } from './data-files.js';
import { checkPath, readBytes } from './files.js';

/**
 * Reads a Middlebury .flo file as a float32 tensor [H, W, 2] of (u, v) displacements in
 * pixels. A regular file only, at most `maxFileBytes` (default 1 GiB).
 */
export async function readFlo(
  path: string,
  options: { maxFileBytes?: number } = {},
): Promise<tf.Tensor3D> {
  const file = checkPath(path, 'readFlo');
  const { maxFileBytes } = resolveDataFiles(options, 'readFlo');
  const flow = decodeFlo(await readBytes(file, 'readFlo', maxFileBytes), file);
  return tf.tensor3d(flow.data, [flow.height, flow.width, 2], 'float32');
}
