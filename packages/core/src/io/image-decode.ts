import { ArgumentError, describe, FormatError } from '../errors.js';
import { tf } from '../tfjs.js';
import { decodeRgbaBrowser } from './image-browser-codecs.js';
import { checkChannelCount, convertChannels, type ImageChannels } from './image-channels.js';
import { imageInfo } from './image-format.js';
import { resolveMaxPixels } from './image-limits.js';
import { decodeRgbaNode } from './image-node-codecs.js';

export interface DecodeImageOptions {
  /**
   * Channels of the result: 1 grey, 3 RGB, 4 RGBA. Defaults to the image's own: 1 for
   * grey, 3 for colour, 4 when it has transparency (grey with alpha gives RGBA).
   * Conversions follow `convertChannels`.
   */
  channels?: ImageChannels;
  /**
   * The pixel budget: an image whose header declares more pixels is refused with a
   * FormatError before anything is allocated. Default: ATELIER_MAX_PIXELS, else 2^26
   * (8192 x 8192).
   */
  maxPixels?: number;
}

/**
 * Decodes a PNG or JPEG (detected from its magic bytes) into a float32 tensor
 * [H, W, C] with values in [0, 255] (integers, except after a colour-to-grey
 * conversion). Float32 because every consumer computes in floats; use `toUnit` or
 * `toSigned` for network input.
 *
 * PNG: every colour type and bit depth (palette, grey, alpha, tRNS; 16 bit is scaled to
 * 8 bit as round(v * 255 / 65535)); JPEG: baseline and progressive, grey, colour and
 * CMYK. Corrupt or truncated bytes, other formats, images over the pixel budget
 * (`maxPixels`) and headers that declare more than the file can hold throw a
 * FormatError; the size is checked from the header before decoding.
 *
 * Node decodes PNGs with a checked decoder of our own over zlib (chunk CRCs, zlib's
 * Adler-32, the exact size of the image data; interlaced files too) and JPEGs with
 * jpeg-js; browsers with createImageBitmap (see image-browser-codecs.ts for how their
 * pixels can differ). A tRNS colour keeps its colour with alpha 0, as in PIL.
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeImageOptions = {},
): Promise<tf.Tensor3D> {
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(
      `decodeImage: expected the file's bytes as a Uint8Array, got ${describe(bytes)}`,
    );
  }
  if (options.channels !== undefined) checkChannelCount(options.channels, 'decodeImage');
  const maxPixels = resolveMaxPixels(options.maxPixels, 'decodeImage');
  let info: ReturnType<typeof imageInfo>;
  let rgba: Uint8Array;
  try {
    info = imageInfo(bytes, { maxPixels });
    rgba = __NODE__ ? await decodeRgbaNode(bytes, info) : await decodeRgbaBrowser(bytes, info);
  } catch (error) {
    if (error instanceof FormatError) {
      throw new FormatError(`decodeImage: ${error.message}`, { cause: error.cause ?? error });
    }
    throw error;
  }
  const { width, height, channels: natural } = info;
  const pixels = width * height;
  if (rgba.length !== pixels * 4) {
    throw new FormatError(
      `decodeImage: the decoder returned ${rgba.length} bytes for ${width} x ${height} RGBA`,
    );
  }
  const values = new Float32Array(pixels * natural);
  if (natural === 4) values.set(rgba);
  else {
    for (let p = 0, q = 0; p < pixels; p++, q += 4) {
      // Grey images decode with R = G = B: the red sample is the grey value, exactly.
      values[p * natural] = rgba[q]!;
      if (natural === 3) {
        values[p * 3 + 1] = rgba[q + 1]!;
        values[p * 3 + 2] = rgba[q + 2]!;
      }
    }
  }
  const wanted = options.channels ?? natural;
  return tf.tidy(() => {
    const image = tf.tensor3d(values, [height, width, natural], 'float32');
    return wanted === natural ? image : convertChannels(image, wanted);
  });
}
