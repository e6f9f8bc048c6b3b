/**
 * From a PNG's inflated image data to RGBA bytes (PNG specification, sections 7-9 and
 * 12): the size the data must have, the five row filters undone, Adam7 passes placed,
 * samples of 1 to 16 bits scaled to 8 (16 bit as round(v * 255 / 65535), lower depths
 * exactly), palettes looked up and tRNS applied (the colour stays, alpha becomes 0, as
 * libpng and PIL give it).
 */
import { FormatError } from '../errors.js';
import type { PngChunks, PngHeader } from './image-png-chunks.js';

/** Samples per pixel by colour type. */
const CHANNELS: Record<PngHeader['colorType'], number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** A pass over the image: its first pixel (x0, y0) and its steps. */
interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
}

const WHOLE: Pass[] = [{ x0: 0, y0: 0, dx: 1, dy: 1 }];

/** Adam7's seven passes (section 8.2). */
const ADAM7: Pass[] = [
  { x0: 0, y0: 0, dx: 8, dy: 8 },
  { x0: 4, y0: 0, dx: 8, dy: 8 },
  { x0: 0, y0: 4, dx: 4, dy: 8 },
  { x0: 2, y0: 0, dx: 4, dy: 4 },
  { x0: 0, y0: 2, dx: 2, dy: 4 },
  { x0: 1, y0: 0, dx: 2, dy: 2 },
  { x0: 0, y0: 1, dx: 1, dy: 2 },
];

interface PassLayout extends Pass {
  width: number;
  height: number;
  rowBytes: number;
  /** Where the pass's first filter byte sits in the inflated data. */
  offset: number;
}

function bitsPerPixel(header: PngHeader): number {
  return CHANNELS[header.colorType] * header.bitDepth;
}

/** Each non-empty pass with its size and position in the inflated data. */
function layout(header: PngHeader): { passes: PassLayout[]; size: number } {
  const passes: PassLayout[] = [];
  let size = 0;
  for (const pass of header.interlaced ? ADAM7 : WHOLE) {
    const width = Math.ceil((header.width - pass.x0) / pass.dx);
    const height = Math.ceil((header.height - pass.y0) / pass.dy);
    if (width <= 0 || height <= 0) continue;
    const rowBytes = Math.ceil((width * bitsPerPixel(header)) / 8);
    passes.push({ ...pass, width, height, rowBytes, offset: size });
    size += height * (rowBytes + 1);
  }
  return { passes, size };
}

/** The exact length the inflated image data must have: every row with its filter byte. */
export function pngDataSize(header: PngHeader): number {
  return layout(header).size;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the row filters of one pass in place (section 9). */
function unfilter(data: Uint8Array, pass: PassLayout, bpp: number): void {
  const stride = pass.rowBytes + 1;
  for (let r = 0; r < pass.height; r++) {
    const start = pass.offset + r * stride;
    const filter = data[start]!;
    const row = start + 1;
    const prior = row - stride;
    const hasPrior = r > 0;
    const n = pass.rowBytes;
    switch (filter) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < n; i++) data[row + i] = data[row + i]! + data[row + i - bpp]!;
        break;
      case 2:
        if (hasPrior) for (let i = 0; i < n; i++) data[row + i] = data[row + i]! + data[prior + i]!;
        break;
      case 3:
        for (let i = 0; i < n; i++) {
          const left = i >= bpp ? data[row + i - bpp]! : 0;
          const up = hasPrior ? data[prior + i]! : 0;
          data[row + i] = data[row + i]! + ((left + up) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < n; i++) {
          const left = i >= bpp ? data[row + i - bpp]! : 0;
          const up = hasPrior ? data[prior + i]! : 0;
          const upLeft = hasPrior && i >= bpp ? data[prior + i - bpp]! : 0;
          data[row + i] = data[row + i]! + paeth(left, up, upLeft);
        }
        break;
      default:
        throw new FormatError(
          `corrupt PNG: row filter type ${filter} (0 to 4 exist) in row ${r} of the image data`,
        );
    }
  }
}

/** The raw samples of one unfiltered row, any bit depth, into `out`. */
function rowSamples(data: Uint8Array, row: number, count: number, depth: number, out: Uint16Array) {
  if (depth === 8) {
    for (let i = 0; i < count; i++) out[i] = data[row + i]!;
  } else if (depth === 16) {
    for (let i = 0; i < count; i++) out[i] = (data[row + 2 * i]! << 8) | data[row + 2 * i + 1]!;
  } else {
    const mask = (1 << depth) - 1;
    for (let i = 0; i < count; i++) {
      const bit = i * depth;
      out[i] = (data[row + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
    }
  }
}

/** Raw sample to 8 bits: 16 bit rounded as round(v * 255 / 65535), lower depths exactly. */
function scaler(depth: number): (v: number) => number {
  if (depth === 8) return (v) => v;
  if (depth === 16) return (v) => ((v + 128) / 257) | 0;
  const factor = 255 / ((1 << depth) - 1);
  return (v) => v * factor;
}

interface Target {
  rgba: Uint8Array;
  width: number;
  palette: Uint8Array | undefined;
  transparent: number[] | undefined;
  scale: (v: number) => number;
}

/** Writes one row of raw samples as RGBA pixels at (x0 + i * dx, y). */
function writeRow(
  samples: Uint16Array,
  count: number,
  colorType: number,
  t: Target,
  y: number,
  pass: Pass,
): void {
  const { rgba, scale, palette, transparent } = t;
  for (let i = 0; i < count; i++) {
    const q = (y * t.width + pass.x0 + i * pass.dx) * 4;
    if (colorType === 3) {
      const index = samples[i]!;
      if (index * 4 >= palette!.length) {
        throw new FormatError(
          `corrupt PNG: palette index ${index} at pixel (${pass.x0 + i * pass.dx}, ${y}), ` +
            `the palette has ${palette!.length / 4} entries`,
        );
      }
      rgba.set(palette!.subarray(index * 4, index * 4 + 4), q);
    } else if (colorType === 0 || colorType === 4) {
      const c = colorType === 0 ? 1 : 2;
      const v = samples[i * c]!;
      const grey = scale(v);
      rgba[q] = grey;
      rgba[q + 1] = grey;
      rgba[q + 2] = grey;
      rgba[q + 3] = c === 2 ? scale(samples[i * 2 + 1]!) : transparent?.[0] === v ? 0 : 255;
    } else {
      const c = colorType === 2 ? 3 : 4;
      const r = samples[i * c]!;
      const g = samples[i * c + 1]!;
      const b = samples[i * c + 2]!;
      rgba[q] = scale(r);
      rgba[q + 1] = scale(g);
      rgba[q + 2] = scale(b);
      if (c === 4) rgba[q + 3] = scale(samples[i * 4 + 3]!);
      else {
        const clear =
          transparent !== undefined &&
          transparent[0] === r &&
          transparent[1] === g &&
          transparent[2] === b;
        rgba[q + 3] = clear ? 0 : 255;
      }
    }
  }
}

/**
 * Turns inflated image data of exactly `pngDataSize(header)` bytes into RGBA bytes,
 * 4 per pixel. Unfilters `data` in place. Throws a FormatError for a wrong length, an
 * unknown filter type or a palette index past the palette.
 */
export function pngPixels(chunks: PngChunks, data: Uint8Array): Uint8Array {
  const { header } = chunks;
  const { passes, size } = layout(header);
  if (data.length !== size) {
    throw new FormatError(
      `corrupt PNG: the image data inflates to ${data.length} bytes, the header needs ${size}`,
    );
  }
  const channels = CHANNELS[header.colorType];
  const bpp = Math.max(1, bitsPerPixel(header) >> 3);
  const target: Target = {
    rgba: new Uint8Array(header.width * header.height * 4),
    width: header.width,
    palette: chunks.palette,
    transparent: chunks.transparent,
    scale: scaler(header.bitDepth),
  };
  const samples = new Uint16Array(header.width * channels);
  const direct = header.bitDepth === 8 && !header.interlaced && !chunks.transparent;
  for (const pass of passes) {
    unfilter(data, pass, bpp);
    const count = pass.width * channels;
    for (let r = 0; r < pass.height; r++) {
      const row = pass.offset + r * (pass.rowBytes + 1) + 1;
      if (direct && header.colorType !== 3) {
        copyRow8(data, row, header.width, channels, target.rgba, r * header.width * 4);
        continue;
      }
      rowSamples(data, row, count, header.bitDepth, samples);
      writeRow(samples, pass.width, header.colorType, target, pass.y0 + r * pass.dy, pass);
    }
  }
  return target.rgba;
}

/**
 * The common case, 8-bit grey, grey + alpha, RGB or RGBA without tRNS or interlacing,
 * copied straight to RGBA (the same bytes writeRow gives, about twice as fast).
 */
function copyRow8(
  data: Uint8Array,
  row: number,
  width: number,
  channels: number,
  rgba: Uint8Array,
  out: number,
): void {
  for (let x = 0, p = row, q = out; x < width; x++, p += channels, q += 4) {
    if (channels >= 3) {
      rgba[q] = data[p]!;
      rgba[q + 1] = data[p + 1]!;
      rgba[q + 2] = data[p + 2]!;
      rgba[q + 3] = channels === 4 ? data[p + 3]! : 255;
    } else {
      const grey = data[p]!;
      rgba[q] = grey;
      rgba[q + 1] = grey;
      rgba[q + 2] = grey;
      rgba[q + 3] = channels === 2 ? data[p + 1]! : 255;
    }
  }
}
