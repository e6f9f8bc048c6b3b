/**
 * Image files in Node: read (format from the bytes) and write (format from the
 * extension) with the path in every error. Writes go to a temporary file beside the
 * target and are renamed over it, so a failed write never leaves a half-written image.
 */
import { ArgumentError, AtelierError, describe } from '../errors.js';
import type { tf } from '../tfjs.js';
import { writeFileAtomic } from '../training/atomic-file.js';
import { type DecodeImageOptions, decodeImage } from './image-decode.js';
import { type EncodeJpegOptions, encodeJpeg, encodePng } from './image-encode.js';

function nodeOnly(fn: string): never {
  throw new AtelierError(
    `${fn} needs Node's file system; in a browser, fetch the bytes and use decodeImage / encodePng`,
  );
}

/** The same error, with the path in front of its message. */
function withPath(error: unknown, path: string, fn: string): Error {
  if (error instanceof AtelierError) {
    const Kind = error.constructor as new (m: string, o?: { cause?: unknown }) => AtelierError;
    return new Kind(`${path}: ${error.message}`, { cause: error });
  }
  const why = error instanceof Error ? error.message : String(error);
  return new AtelierError(`${fn}: ${path}: ${why}`, { cause: error });
}

/**
 * Reads a PNG or JPEG file as a float32 tensor [H, W, C] in [0, 255] (see decodeImage).
 *
 * @example
 * const photo = await readImage('photo.png'); // [H, W, 3] in [0, 255]
 * const grey = await readImage('photo.png', { channels: 1 });
 */
export async function readImage(
  path: string,
  options: DecodeImageOptions = {},
): Promise<tf.Tensor3D> {
  if (typeof path !== 'string' || path === '') {
    throw new ArgumentError(`readImage: expected a file path, got ${describe(path)}`);
  }
  // Inside `if (__NODE__)` so that the browser build drops the Node imports.
  if (__NODE__) {
    const { readFile } = await import('node:fs/promises');
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw withPath(error, path, 'readImage');
    }
    try {
      return await decodeImage(bytes, options);
    } catch (error) {
      throw withPath(error, path, 'readImage');
    }
  }
  return nodeOnly('readImage');
}

export type WriteImageOptions = EncodeJpegOptions;

/**
 * Writes an image [H, W, C] in [0, 255] as PNG (.png) or JPEG (.jpg, .jpeg; `quality`
 * applies), atomically: a temporary file in the same folder, then a rename.
 *
 * @example
 * await writeImage('out.png', tf.zeros([64, 64, 3]) as tf.Tensor3D);
 * await writeImage('out.jpg', photo, { quality: 90 });
 */
export async function writeImage(
  path: string,
  image: tf.Tensor3D,
  options: WriteImageOptions = {},
): Promise<void> {
  if (typeof path !== 'string' || path === '') {
    throw new ArgumentError(`writeImage: expected a file path, got ${describe(path)}`);
  }
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  const format =
    extension === 'png' ? 'png' : extension === 'jpg' || extension === 'jpeg' ? 'jpeg' : undefined;
  if (format === undefined) {
    throw new ArgumentError(
      `writeImage: ${path}: expected a .png, .jpg or .jpeg extension to choose the format`,
    );
  }
  if (__NODE__) {
    let bytes: Uint8Array;
    try {
      bytes = format === 'png' ? await encodePng(image) : await encodeJpeg(image, options);
    } catch (error) {
      throw withPath(error, path, 'writeImage');
    }
    // The temporary file is writeFileAtomic's, so a run folder knows a killed write's.
    try {
      await writeFileAtomic(path, bytes);
    } catch (error) {
      throw withPath((error as Error).cause ?? error, path, 'writeImage');
    }
    return;
  }
  nodeOnly('writeImage');
}
