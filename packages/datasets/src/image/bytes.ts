import type { Raster } from './resample.js';

/**
 * A decoded file as 8-bit samples, HWC: what decoders give, what the cache keeps (a
 * quarter of float32's memory) and what the SIMD resampler reads.
 */
export interface DecodedImage {
  bytes: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** The image as a raster for `resampleWindow` (no copy). */
export function bytesRaster(image: DecodedImage): Raster {
  return {
    data: image.bytes,
    height: image.height,
    width: image.width,
    channels: image.channels,
  };
}

/**
 * 1 or 3 channels from 1, 3 or 4 (grey, RGB, RGBA), as PIL's `convert('L')` and
 * `convert('RGB')`: luma in PIL's fixed point (ITU-R 601, rounded), grey repeated,
 * alpha dropped.
 */
export function convertBytes(image: DecodedImage, channels: 1 | 3): DecodedImage {
  const c = image.channels;
  if (c === channels) return image;
  const n = image.height * image.width;
  const from = image.bytes;
  const bytes = new Uint8Array(n * channels);
  if (channels === 1) {
    for (let i = 0, p = 0; i < n; i++, p += c) {
      // PIL's L24: 19595 R + 38470 G + 7471 B (weights summing to 2^16), rounded.
      bytes[i] =
        c < 3
          ? from[p]!
          : (from[p]! * 19595 + from[p + 1]! * 38470 + from[p + 2]! * 7471 + 0x8000) >> 16;
    }
  } else {
    for (let i = 0, p = 0, q = 0; i < n; i++, p += c, q += 3) {
      const grey = c < 3;
      bytes[q] = from[p]!;
      bytes[q + 1] = grey ? from[p]! : from[p + 1]!;
      bytes[q + 2] = grey ? from[p]! : from[p + 2]!;
    }
  }
  return { bytes, height: image.height, width: image.width, channels };
}
