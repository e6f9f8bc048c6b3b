import type { tf } from '@atelier/core';
import { synthetic } from '@atelier/datasets';

/** A rendered facade photo, RGB [size, size, 3] in [0, 255]: the content until one is uploaded. */
export async function defaultContent(size: number): Promise<tf.Tensor3D> {
  const sample = (await synthetic.facades({ size, count: 1, seed: 7, range: 'byte' }).get(0))!;
  sample.A.dispose();
  sample.labels.dispose();
  return sample.B;
}

/** A procedural texture, RGB [size, size, 3] in [0, 255]: the style until one is uploaded. */
export async function defaultStyle(size: number): Promise<tf.Tensor3D> {
  const sample = (await synthetic.textures({ size, count: 4, seed: 3, range: 'byte' }).get(1))!;
  return sample.image;
}
