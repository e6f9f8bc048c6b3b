import { ArgumentError } from '@atelier/core';
import { FACADE_CLASSES, FACADE_PALETTE } from './facades.js';

/** A window or door of a facade: its box in fractions of the image side. */
export interface FacadeOpening {
  kind: 'window' | 'door';
  /** Left and top edges (inclusive), right and bottom (exclusive), each in [0, 1]. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const OPENING_IDS = new Map<number, FacadeOpening['kind']>([
  [FACADE_CLASSES.indexOf('window'), 'window'],
  [FACADE_CLASSES.indexOf('door'), 'door'],
]);

function checkSquare(length: number, size: number, channels: number, where: string): void {
  if (!Number.isInteger(size) || size < 1 || length !== size * size * channels) {
    throw new ArgumentError(
      `${where}: expected ${channels} value(s) per pixel of a ${size}x${size} image (${size * size * channels}), got ${length}`,
    );
  }
}

/**
 * The class id of every pixel of a label map drawn in FACADE_PALETTE colours (RGB in
 * [0, 1], height x width x 3): the nearest palette colour, so a generated label map,
 * whose colours are only close to the palette's, reads as classes too.
 */
export function facadeClassIds(rgb: ArrayLike<number>, size: number): Int32Array {
  checkSquare(rgb.length, size, 3, 'facadeClassIds');
  const palette = FACADE_CLASSES.map((c) => FACADE_PALETTE[c]);
  const ids = new Int32Array(size * size);
  for (let i = 0; i < ids.length; i++) {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const [id, [r, g, b]] of palette.entries()) {
      const d = (rgb[i * 3]! - r) ** 2 + (rgb[i * 3 + 1]! - g) ** 2 + (rgb[i * 3 + 2]! - b) ** 2;
      if (d < bestDistance) [best, bestDistance] = [id, d];
    }
    ids[i] = best;
  }
  return ids;
}

/**
 * The windows and doors of a facade's class-id map (size x size, FACADE_CLASSES ids):
 * each 4-connected region of one of those classes as its bounding box, top to bottom
 * then left to right. Regions of fewer than `minPixels` pixels are dropped (specks in a
 * generated label map are no openings).
 */
export function facadeOpenings(
  ids: ArrayLike<number>,
  size: number,
  minPixels = 2,
): FacadeOpening[] {
  checkSquare(ids.length, size, 1, 'facadeOpenings');
  const seen = new Uint8Array(size * size);
  const found: FacadeOpening[] = [];
  const stack: number[] = [];
  for (let start = 0; start < seen.length; start++) {
    const kind = OPENING_IDS.get(ids[start]!);
    if (kind === undefined || seen[start]) continue;
    // Flood fill the region of this pixel's class, tracking its box.
    let [x0, y0, x1, y1, pixels] = [size, size, -1, -1, 0];
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % size;
      const y = (p - x) / size;
      pixels++;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      for (const [nx, ny] of [
        [x - 1, y],
        [x + 1, y],
        [x, y - 1],
        [x, y + 1],
      ] as const) {
        const q = ny * size + nx;
        if (nx < 0 || ny < 0 || nx >= size || ny >= size || seen[q] || ids[q] !== ids[start])
          continue;
        seen[q] = 1;
        stack.push(q);
      }
    }
    if (pixels >= minPixels)
      found.push({ kind, x0: x0 / size, y0: y0 / size, x1: (x1 + 1) / size, y1: (y1 + 1) / size });
  }
  return found.sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
}
