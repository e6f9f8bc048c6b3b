import { ArgumentError, describe } from '@atelier/core';

/**
 * An image as plain numbers, row-major HWC. The pipeline keeps images in this form
 * (decoding, resizing, cropping, colour conversion) and makes one tensor at the end:
 * typed-array loops are far cheaper than many small tensor ops, and they can run in
 * worker threads, where no tensor can live.
 */
export interface Pixels {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

export function pixels(height: number, width: number, channels: number): Pixels {
  return { data: new Float32Array(height * width * channels), height, width, channels };
}

export function checkPixels(p: Pixels, what: string): void {
  const ok =
    p !== null &&
    typeof p === 'object' &&
    p.data instanceof Float32Array &&
    Number.isInteger(p.height) &&
    Number.isInteger(p.width) &&
    Number.isInteger(p.channels) &&
    p.height > 0 &&
    p.width > 0 &&
    p.channels > 0 &&
    p.data.length === p.height * p.width * p.channels;
  if (!ok) {
    throw new ArgumentError(
      `${what}: expected pixels { data: Float32Array of height*width*channels, height, width, channels }, got ${describe(p)}`,
    );
  }
}

/** A column range [x0, x0 + width) of an image (A|B halves of an aligned pair). */
export function columns(p: Pixels, x0: number, width: number): Pixels {
  const out = pixels(p.height, width, p.channels);
  const c = p.channels;
  for (let y = 0; y < p.height; y++) {
    const from = (y * p.width + x0) * c;
    out.data.set(p.data.subarray(from, from + width * c), y * width * c);
  }
  return out;
}

/** Luma with ITU-R 601 weights, as PIL's convert('L'). */
export function toGray(p: Pixels): Pixels {
  if (p.channels === 1) return p;
  const out = pixels(p.height, p.width, 1);
  const n = p.height * p.width;
  const c = p.channels;
  for (let i = 0; i < n; i++) {
    const r = p.data[i * c]!;
    const g = p.data[i * c + 1]!;
    const b = p.data[i * c + 2]!;
    out.data[i] = r * 0.299 + g * 0.587 + b * 0.114;
  }
  return out;
}

/** A gray image repeated over three channels. */
export function toRgb(p: Pixels): Pixels {
  if (p.channels === 3) return p;
  if (p.channels !== 1 && p.channels !== 4) {
    throw new ArgumentError(`toRgb: expected 1, 3 or 4 channels, got ${p.channels}`);
  }
  const out = pixels(p.height, p.width, 3);
  const n = p.height * p.width;
  const c = p.channels;
  for (let i = 0; i < n; i++) {
    const r = p.data[i * c]!;
    out.data[i * 3] = r;
    out.data[i * 3 + 1] = c === 1 ? r : p.data[i * c + 1]!;
    out.data[i * 3 + 2] = c === 1 ? r : p.data[i * c + 2]!;
  }
  return out;
}
