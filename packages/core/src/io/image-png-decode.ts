/**
 * PNG decoding that checks everything it reads: chunk CRCs, the header, the zlib stream
 * (with its Adler-32 checksum, through the caller's inflate) and the exact size of the
 * inflated data, so a decoded image holds exactly the pixels its file declares or the
 * decode fails with a FormatError. The inflate is passed in (Node's zlib.inflateSync) so
 * this file stays free of Node imports.
 */
import { FormatError } from '../errors.js';
import { readPngChunks } from './image-png-chunks.js';
import { pngDataSize, pngPixels } from './image-png-pixels.js';

/**
 * Inflates a zlib stream, failing (throwing anything) on a corrupt stream, a bad
 * Adler-32, a stream cut short, or output over `maxOutputLength` bytes.
 */
export type Inflate = (data: Uint8Array, maxOutputLength: number) => Uint8Array;

export interface DecodedPng {
  width: number;
  height: number;
  /** 4 bytes per pixel, samples scaled to 8 bits. */
  rgba: Uint8Array;
}

/** What a zlib failure means for the file, from Node's error codes. */
function inflateFailure(error: unknown, size: number): FormatError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
    return new FormatError(
      `corrupt PNG: the image data inflates to more than the ${size} bytes its header declares`,
      { cause: error },
    );
  }
  if (code === 'Z_BUF_ERROR') {
    return new FormatError(
      `truncated PNG: the image data ends before its zlib stream does (${message})`,
      { cause: error },
    );
  }
  return new FormatError(`corrupt PNG: the image data is not a valid zlib stream (${message})`, {
    cause: error,
  });
}

/**
 * Decodes a PNG to RGBA bytes. The caller checks the header's size against its pixel
 * budget first (imageInfo); the inflate is bounded by the size the header declares, so
 * memory follows the pixels the file really holds.
 */
export function decodePng(bytes: Uint8Array, inflate: Inflate): DecodedPng {
  const chunks = readPngChunks(bytes);
  const { width, height } = chunks.header;
  const size = pngDataSize(chunks.header);
  let data: Uint8Array;
  try {
    // One byte over the declared size: enough to tell "too much data" from "exact".
    data = inflate(chunks.data, size + 1);
  } catch (error) {
    throw inflateFailure(error, size);
  }
  if (data.length < size) {
    throw new FormatError(
      `truncated PNG: the image data inflates to ${data.length} bytes, its header ` +
        `(${width} x ${height}) declares ${size}`,
    );
  }
  if (data.length > size) {
    throw new FormatError(
      `corrupt PNG: the image data inflates to more than the ${size} bytes its header declares`,
    );
  }
  return { width, height, rgba: pngPixels(chunks, data) };
}
