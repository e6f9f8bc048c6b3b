import { tf } from '@atelier/core';

/** One aligned pair in [-1, 1]: A the left half of the file, B the right half. */
export interface FolderPair {
  A: tf.Tensor3D;
  B: tf.Tensor3D;
  name: string;
}

/** The most pairs a page keeps in memory. */
export const MAX_PAIRS = 1000;

const IMAGE = /\.(png|jpe?g|webp|bmp|gif)$/i;

/** The image files among `files` (a folder holds other things too), by name. */
export function imageFiles(files: Iterable<File>): File[] {
  return [...files].filter((f) => IMAGE.test(f.name)).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Reads a folder in pix2pix's aligned layout (junyanz's `--dataset_mode aligned`: each
 * file is A and B side by side, twice as wide as high), each half resized to
 * size × size and scaled to [-1, 1]. A file of another shape is refused by name.
 */
export async function readAlignedPairs(
  files: File[],
  size: number,
  onProgress?: (done: number, total: number) => void,
): Promise<FolderPair[]> {
  const images = imageFiles(files);
  if (images.length === 0) {
    throw new RangeError(
      `expected image files (png, jpg, webp) in pix2pix's aligned layout (A|B side by side), got ${files.length} file(s) and none an image`,
    );
  }
  if (images.length > MAX_PAIRS) {
    throw new RangeError(`expected at most ${MAX_PAIRS} pairs, got ${images.length} images`);
  }
  const pairs: FolderPair[] = [];
  try {
    for (const [index, file] of images.entries()) {
      pairs.push(await readPair(file, size));
      onProgress?.(index + 1, images.length);
    }
  } catch (error) {
    for (const p of pairs) tf.dispose([p.A, p.B]);
    throw error;
  }
  return pairs;
}

async function readPair(file: File, size: number): Promise<FolderPair> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (cause) {
    throw new RangeError(`${file.name}: not an image the browser can decode`, { cause });
  }
  try {
    const { width, height } = bitmap;
    if (width !== 2 * height) {
      throw new RangeError(
        `${file.name}: expected A|B side by side (width twice the height), got ${width}×${height}`,
      );
    }
    return tf.tidy(() => {
      const pixels = tf.browser.fromPixels(bitmap, 3);
      const half = (left: number) =>
        tf.sub(
          tf.div(
            tf.image.resizeBilinear(
              tf.slice(
                tf.cast(pixels, 'float32'),
                [0, left, 0],
                [height, height, 3],
              ) as tf.Tensor3D,
              [size, size],
              true,
            ),
            127.5,
          ),
          1,
        ) as tf.Tensor3D;
      return { A: half(0), B: half(height), name: file.name };
    });
  } finally {
    bitmap.close();
  }
}
