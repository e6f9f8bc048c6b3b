/**
 * PNG and JPEG in browsers and workers through the platform's own decoders:
 * createImageBitmap and OffscreenCanvas. Canvas keeps premultiplied alpha, so a pixel
 * with alpha below 255 can come back a level off; 16-bit PNGs are reduced by the
 * browser; JPEG pixels may differ by a few levels from Node's decoder (jpeg-js).
 */
import { FormatError } from '../errors.js';
import type { ImageInfo } from './image-format.js';

const MIME = { png: 'image/png', jpeg: 'image/jpeg' } as const;

function context(width: number, height: number): OffscreenCanvasRenderingContext2D {
  if (typeof OffscreenCanvas === 'undefined') {
    throw new FormatError(
      'decoding and encoding images here needs OffscreenCanvas, which this runtime lacks',
    );
  }
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new FormatError('could not create a 2D canvas context for image io');
  return ctx;
}

/** Decodes to RGBA bytes (4 per pixel). */
export async function decodeRgbaBrowser(bytes: Uint8Array, info: ImageInfo): Promise<Uint8Array> {
  const name = info.format.toUpperCase();
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: MIME[info.format] }), {
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'none',
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new FormatError(
      `corrupt or truncated ${name}: the browser could not decode it (${why})`,
      {
        cause: error,
      },
    );
  }
  try {
    if (bitmap.width !== info.width || bitmap.height !== info.height) {
      throw new FormatError(
        `corrupt ${name}: the header says ${info.width} x ${info.height}, ` +
          `the browser decoded ${bitmap.width} x ${bitmap.height}`,
      );
    }
    const ctx = context(info.width, info.height);
    ctx.drawImage(bitmap, 0, 0);
    const pixels = ctx.getImageData(0, 0, info.width, info.height).data;
    return new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  } finally {
    bitmap.close();
  }
}

/** Encodes RGBA bytes through a canvas; quality (1 to 100) applies to JPEG. */
export async function encodeRgbaBrowser(
  rgba: Uint8Array,
  width: number,
  height: number,
  format: 'png' | 'jpeg',
  quality: number,
): Promise<Uint8Array> {
  const ctx = context(width, height);
  ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  const blob = await ctx.canvas.convertToBlob({ type: MIME[format], quality: quality / 100 });
  return new Uint8Array(await blob.arrayBuffer());
}
