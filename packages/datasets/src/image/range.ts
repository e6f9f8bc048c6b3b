import { ArgumentError, describe } from '@atelier/core';

/**
 * The value range images come out in: 'signed' [-1, 1] (what the GAN nets take, and
 * what junyanz's Normalize(0.5, 0.5) gives), 'unit' [0, 1] (feature networks), or
 * 'byte' [0, 255] (as decoded).
 */
export type ImageRange = 'signed' | 'unit' | 'byte';

export const IMAGE_RANGES: readonly ImageRange[] = ['signed', 'unit', 'byte'];

export function checkRange(range: unknown, what: string): ImageRange {
  if (range === undefined) return 'signed';
  if (!(IMAGE_RANGES as readonly unknown[]).includes(range)) {
    throw new ArgumentError(
      `${what}: range must be one of ${IMAGE_RANGES.join(', ')}, got ${describe(range)}`,
    );
  }
  return range as ImageRange;
}

/** Maps values in [0, `full`] (255 for decoded bytes, 1 for generated images) into `range`, in place. */
export function scaleInto(data: Float32Array, full: number, range: ImageRange): Float32Array {
  if (range === 'byte' && full === 255) return data;
  if (range === 'unit' && full === 1) return data;
  const top = range === 'byte' ? 255 : 1;
  const lo = range === 'signed' ? -1 : 0;
  const scale = (top - lo) / full;
  for (let i = 0; i < data.length; i++) data[i] = data[i]! * scale + lo;
  return data;
}
