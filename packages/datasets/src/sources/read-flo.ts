import { tf } from '@atelier/core';
import { decodeFlo } from '../formats/flo.js';
import { checkPath, readBytes } from './files.js';

/** Reads a Middlebury .flo file as a float32 tensor [H, W, 2] of (u, v) displacements in pixels. */
export async function readFlo(path: string): Promise<tf.Tensor3D> {
  const file = checkPath(path, 'readFlo');
  const flow = decodeFlo(await readBytes(file, 'readFlo'), file);
  return tf.tensor3d(flow.data, [flow.height, flow.width, 2], 'float32');
}
