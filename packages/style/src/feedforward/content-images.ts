import { ArgumentError, describe, readImage, tf } from '@atelier/core';
import { type Dataset, IMAGE_EXTENSIONS, synthetic } from '@atelier/datasets';
import { resizeImage } from '../image/resize.js';

/**
 * Where the content images of feed-forward training come from:
 * - a folder path (Node): every .png/.jpg/.jpeg below it, in sorted order (COCO's
 *   train2014, as the reference uses, or any photos);
 * - 'synthetic': the embedded default, summer landscapes of @atelier/datasets'
 *   synthetic.seasons (128 of them unless `syntheticCount` says);
 * - a Dataset with random access whose elements are RGB tensors [H, W, 3] in
 *   [0, 255] or records with such an `image`.
 */
export type ContentData = string | Dataset<unknown>;

/** Content images by index, each [size, size, 3] in [0, 255]. */
export interface ContentSource {
  count: number;
  /** Said in logs and checkpoints. */
  description: string;
  load(index: number): Promise<tf.Tensor3D>;
}

/**
 * torchvision's Resize(size) + CenterCrop(size), as fast_neural_style's training
 * transform: the shorter side to `size` (area-averaged when shrinking), the middle
 * size×size kept.
 */
export function resizeAndCenterCrop(image: tf.Tensor3D, size: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [h, w] = image.shape;
    const s = size / Math.min(h, w);
    const rh = Math.max(size, Math.round(h * s));
    const rw = Math.max(size, Math.round(w * s));
    const resized = resizeImage(tf.expandDims(image, 0) as tf.Tensor4D, [rh, rw]);
    const top = Math.floor((rh - size) / 2);
    const left = Math.floor((rw - size) / 2);
    return tf.squeeze(tf.slice(resized, [0, top, left, 0], [1, size, size, 3]), [0]) as tf.Tensor3D;
  });
}

async function listImageFiles(dir: string, fn: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const found: string[] = [];
  const walk = async (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (error) {
      throw new ArgumentError(`${fn}: cannot read the folder '${d}': ${(error as Error).message}`);
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (IMAGE_EXTENSIONS.some((ext) => e.name.toLowerCase().endsWith(ext))) found.push(p);
    }
  };
  await walk(dir);
  if (found.length === 0) {
    throw new ArgumentError(`${fn}: no ${IMAGE_EXTENSIONS.join(', ')} images under '${dir}'`);
  }
  return found.sort();
}

function tensorOf(element: unknown, fn: string, index: number): tf.Tensor3D {
  const t =
    element instanceof tf.Tensor
      ? element
      : (element as { image?: unknown } | null)?.image instanceof tf.Tensor
        ? ((element as { image: tf.Tensor }).image as tf.Tensor)
        : undefined;
  if (t?.rank !== 3 || t.shape[2] !== 3) {
    throw new ArgumentError(
      `${fn}: data element ${index} must be an RGB tensor [H, W, 3] in [0, 255] or { image }, got ${describe(t ?? element)}`,
    );
  }
  return t as tf.Tensor3D;
}

export async function contentSource(
  data: ContentData | undefined,
  size: number,
  options: { syntheticCount?: number; seed?: number; fn: string },
): Promise<ContentSource> {
  const { fn } = options;
  if (data === undefined || data === 'synthetic') {
    const count = options.syntheticCount ?? 128;
    const set = synthetic.seasons({ size, count, seed: options.seed ?? 0, range: 'byte' });
    return {
      count,
      description: `synthetic.seasons (${count} summer landscapes, ${size}px, seed ${options.seed ?? 0})`,
      async load(index) {
        const sample = (await set.get(index))!;
        sample.B.dispose();
        return sample.A;
      },
    };
  }
  if (typeof data === 'string') {
    const files = await listImageFiles(data, fn);
    return {
      count: files.length,
      description: `${files.length} images under ${data}`,
      async load(index) {
        const image = await readImage(files[index]!, { channels: 3 });
        const out = resizeAndCenterCrop(image, size);
        image.dispose();
        return out;
      },
    };
  }
  const dataset = data as Dataset<unknown>;
  if (typeof dataset?.get !== 'function' || dataset.size === undefined || !dataset.randomAccess) {
    throw new ArgumentError(
      `${fn}: data must be a folder path, 'synthetic', or a Dataset with random access, got ${describe(data)}`,
    );
  }
  return {
    count: dataset.size,
    description: `a dataset of ${dataset.size} images`,
    async load(index) {
      const element = await dataset.get(index);
      const t = tensorOf(element, fn, index);
      const out =
        t.shape[0] === size && t.shape[1] === size ? tf.clone(t) : resizeAndCenterCrop(t, size);
      tf.dispose(collectTensors(element));
      return out;
    },
  };
}

function collectTensors(x: unknown): tf.Tensor[] {
  if (x instanceof tf.Tensor) return [x];
  if (x !== null && typeof x === 'object') return Object.values(x).flatMap(collectTensors);
  return [];
}
