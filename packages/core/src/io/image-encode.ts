import { ArgumentError, describe, ShapeError } from '../errors.js';
import { tf } from '../tfjs.js';
import { encodeRgbaBrowser } from './image-browser-codecs.js';
import { MAX_IMAGE_PIXELS } from './image-format.js';
import { encodeJpegNode, encodePngNode } from './image-node-codecs.js';

interface Samples {
  /** Interleaved 8-bit samples, `channels` per pixel. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Checks an image [H, W, C] in [0, 255] and reads it back as rounded bytes. */
async function samplesOf(image: unknown, allowed: number[], fn: string): Promise<Samples> {
  if (!(image instanceof tf.Tensor)) {
    throw new ArgumentError(`${fn}: expected an image tensor [H, W, C], got ${describe(image)}`);
  }
  const [height = 0, width = 0, channels = 0] = image.shape;
  if (image.rank !== 3 || !allowed.includes(channels)) {
    throw new ShapeError(
      `${fn}: expected an image [H, W, C] with C in {${allowed.join(', ')}}, got ${describe(image)}`,
    );
  }
  if (image.dtype !== 'float32' && image.dtype !== 'int32') {
    throw new ArgumentError(`${fn}: expected a float32 or int32 image, got ${image.dtype}`);
  }
  if (width < 1 || height < 1 || width * height > MAX_IMAGE_PIXELS) {
    throw new ShapeError(`${fn}: expected between 1 and 2^28 pixels, got ${describe(image)}`);
  }
  const values = await image.data();
  const data = new Uint8Array(values.length);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) throw new ShapeError(`${fn}: the image holds NaN at element ${i}`);
    if (v < min) min = v;
    if (v > max) max = v;
    data[i] = Math.round(v);
  }
  // Values that round into [0, 255] are accepted; anything else is a range mistake.
  if (min < -0.5 || max >= 255.5) {
    throw new ShapeError(
      `${fn}: expected values in [0, 255], found min ${min} and max ${max}; convert [0, 1] ` +
        'images with fromUnit and [-1, 1] images with fromSigned (both clamp)',
    );
  }
  return { data, width, height, channels };
}

/** Interleaved samples as RGBA bytes (grey repeated, alpha 255 where absent). */
function toRgba({ data, width, height, channels }: Samples): Uint8Array {
  if (channels === 4) return data;
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0, i = 0, q = 0; p < width * height; p++, i += channels, q += 4) {
    rgba[q] = data[i]!;
    rgba[q + 1] = channels === 3 ? data[i + 1]! : data[i]!;
    rgba[q + 2] = channels === 3 ? data[i + 2]! : data[i]!;
    rgba[q + 3] = 255;
  }
  return rgba;
}

/**
 * Encodes an image [H, W, C] (C = 1, 3 or 4; values in [0, 255], rounded to integers)
 * as an 8-bit PNG. In Node the PNG keeps the channel count (grey, RGB or RGBA); a
 * browser canvas always writes RGBA. Values outside [0, 255] or NaN throw a ShapeError.
 */
export async function encodePng(image: tf.Tensor3D): Promise<Uint8Array> {
  const samples = await samplesOf(image, [1, 3, 4], 'encodePng');
  const { data, width, height, channels } = samples;
  if (__NODE__) return encodePngNode(data, width, height, channels as 1 | 3 | 4);
  return encodeRgbaBrowser(toRgba(samples), width, height, 'png', 100);
}

export interface EncodeJpegOptions {
  /** 1 (smallest) to 100 (best); defaults to 90. */
  quality?: number;
}

/**
 * Encodes an image [H, W, C] (C = 1 or 3; values in [0, 255]) as a baseline JPEG.
 * JPEG has no alpha: drop it first with convertChannels(image, 3). A grey image is
 * written as colour (R = G = B) and decodes with 3 channels unless asked for 1.
 */
export async function encodeJpeg(
  image: tf.Tensor3D,
  options: EncodeJpegOptions = {},
): Promise<Uint8Array> {
  const quality = options.quality ?? 90;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new ArgumentError(
      `encodeJpeg: expected quality an integer in [1, 100], got ${describe(quality)}`,
    );
  }
  if (image instanceof tf.Tensor && image.rank === 3 && image.shape[2] === 4) {
    throw new ShapeError(
      `encodeJpeg: JPEG has no alpha channel, got ${describe(image)}; ` +
        'drop the alpha with convertChannels(image, 3)',
    );
  }
  const samples = await samplesOf(image, [1, 3], 'encodeJpeg');
  const rgba = toRgba(samples);
  if (__NODE__) return encodeJpegNode(rgba, samples.width, samples.height, quality);
  return encodeRgbaBrowser(rgba, samples.width, samples.height, 'jpeg', quality);
}
