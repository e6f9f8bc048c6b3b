import { ArgumentError } from '@atelier/core';
import { type Pixels, pixels } from './pixels.js';
import { type BytesPlan, bytesKernelAvailable, runBytesPlan } from './resample-kernel.js';

/** Resampling filters with PIL's definitions (torchvision's Resize calls PIL). */
export type Interpolation = 'bicubic' | 'bilinear' | 'nearest';

interface Filter {
  support: number;
  weight: (x: number) => number;
}

// PIL's cubic has a = -0.5 (Keys); bilinear is the triangle.
const A = -0.5;
const FILTERS: Record<Exclude<Interpolation, 'nearest'>, Filter> = {
  bicubic: {
    support: 2,
    weight: (x) => {
      x = Math.abs(x);
      if (x < 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * A;
      return 0;
    },
  },
  bilinear: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
};

/**
 * Per output index along one axis: the first source index and normalised weights,
 * as PIL's `precompute_coeffs` (filter widened by the scale when shrinking, which
 * anti-aliases). `taps` weights per output, zero-padded.
 */
interface Coefficients {
  first: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  taps: number;
  /** The quantized weights as PIL's integers (k of k / 2^22), each four times, made when first needed. */
  fixed?: Int32Array;
}

// PIL's fixed-point weights for 8-bit images: 32 - 8 - 2 bits of fraction.
const PRECISION = 2 ** 22;

/**
 * Weights rounded to PIL's fixed point (normalize_coeffs_8bpc). Kept as doubles k / 2^22:
 * sums of bytes times them are exact in a double, and rounding the sum (floor(s + 1/2))
 * is PIL's `(2^21 + sum) >> 22`, so 8-bit results match PIL's bit for bit.
 */
function quantized(c: Coefficients): Coefficients {
  const weights = c.weights.map(
    (w) => (w < 0 ? Math.trunc(-0.5 + w * PRECISION) : Math.trunc(0.5 + w * PRECISION)) / PRECISION,
  );
  return { first: c.first, count: c.count, weights, taps: c.taps };
}

// Loaders resample every image with the same few sizes: their coefficients are kept.
const memo = new Map<string, Coefficients>();

function cachedCoefficients(
  inSize: number,
  outSize: number,
  interpolation: Interpolation,
  round: boolean,
): Coefficients {
  const key = `${inSize} ${outSize} ${interpolation} ${round}`;
  let c = memo.get(key);
  if (!c) {
    if (memo.size >= 64) memo.clear();
    c = coefficients(inSize, outSize, interpolation);
    if (round) c = quantized(c);
    memo.set(key, c);
  }
  return c;
}

function coefficients(inSize: number, outSize: number, interpolation: Interpolation): Coefficients {
  const scale = inSize / outSize;
  if (interpolation === 'nearest') {
    // PIL's nearest: the source pixel whose cell holds the output pixel's centre.
    const first = new Int32Array(outSize);
    // As PIL's ImagingScaleAffine: the position accumulates in doubles, step by step, so a
    // centre on a pixel border falls the same side as there.
    let position = scale * 0.5;
    for (let o = 0; o < outSize; o++) {
      first[o] = Math.min(inSize - 1, Math.floor(position));
      position += scale;
    }
    return {
      first,
      count: new Int32Array(outSize).fill(1),
      weights: new Float64Array(outSize).fill(1),
      taps: 1,
    };
  }
  const filter = FILTERS[interpolation];
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  const inverse = 1 / filterScale;
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    // C's (int) truncates toward zero.
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    const n = hi - lo;
    let total = 0;
    for (let k = 0; k < n; k++) {
      const w = filter.weight((k + lo - center + 0.5) * inverse);
      weights[o * taps + k] = w;
      total += w;
    }
    if (total !== 0) for (let k = 0; k < n; k++) weights[o * taps + k]! /= total;
    first[o] = lo;
    count[o] = n;
  }
  return { first, count, weights, taps };
}

/**
 * Where the output of a resize-crop-flip comes from: the image is resized to
 * `resizeWidth` x `resizeHeight`, then the window at (`x`, `y`) of `width` x `height`
 * is kept, mirrored left-right when `flip`.
 */
export interface ResampleWindow {
  resizeWidth: number;
  resizeHeight: number;
  x: number;
  y: number;
  width: number;
  height: number;
  flip: boolean;
  /** Use only columns [sourceX, sourceX + sourceWidth) of the source (one half of an A|B pair). */
  sourceX?: number;
  sourceWidth?: number;
}

/** How values are computed and written. */
export interface ResampleOptions {
  /** Default 'bicubic'. */
  interpolation?: Interpolation;
  /** Clip into [0, clampTo] after each pass, as PIL clips 8-bit images. Default: no clipping. */
  clampTo?: number;
  /** Round after each pass, as PIL does for 8-bit images (with its fixed-point weights: the same bytes). */
  round?: boolean;
  /** Written values are v * scale + offset (a range conversion folded into the last pass). */
  scale?: number;
  offset?: number;
}

/** Any row-major HWC raster: decoded bytes or float pixels. */
export interface Raster {
  data: Float32Array | Float64Array | Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/**
 * Resizes, crops and flips in one separable pass that computes only the kept window.
 * Pixels of the window outside the resized image are zero (as PIL's crop pads).
 * `clampTo` clips results into [0, clampTo] after each pass, as PIL clips to 8 bits;
 * `round` also rounds after each pass, as PIL does for 8-bit images (bytes in, bytes out).
 */
export function resampleWindow(
  src: Raster,
  window: ResampleWindow,
  options: ResampleOptions = {},
): Pixels {
  const { resizeWidth, resizeHeight, x, y, width, height, flip } = window;
  const interpolation = options.interpolation ?? 'bicubic';
  const clampTo = options.clampTo ?? Number.POSITIVE_INFINITY;
  const round = options.round ?? false;
  const scale = options.scale ?? 1;
  const offset = options.offset ?? 0;
  const sourceX = window.sourceX ?? 0;
  const sourceWidth = window.sourceWidth ?? src.width - sourceX;
  if (
    !Number.isInteger(sourceX) ||
    !Number.isInteger(sourceWidth) ||
    sourceX < 0 ||
    sourceWidth < 1 ||
    sourceX + sourceWidth > src.width
  ) {
    throw new ArgumentError(
      `resampleWindow: source columns [${sourceX}, ${sourceX + sourceWidth}) must lie within the image's ${src.width}`,
    );
  }
  for (const [name, v] of Object.entries({ resizeWidth, resizeHeight, width, height })) {
    if (!Number.isInteger(v) || v < 1) {
      throw new ArgumentError(`resampleWindow: ${name} must be a positive integer, got ${v}`);
    }
  }
  const c = src.channels;
  // With `clampTo`, values are kept in [0, clampTo]; without, nothing is clipped.
  const floor = clampTo === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : 0;
  const sameWidth = resizeWidth === sourceWidth;
  const sameHeight = resizeHeight === src.height;
  const cx = sameWidth
    ? undefined
    : cachedCoefficients(sourceWidth, resizeWidth, interpolation, round);
  const cy = sameHeight
    ? undefined
    : cachedCoefficients(src.height, resizeHeight, interpolation, round);

  // The output columns (in the resized image) and rows that exist.
  const colOf = (j: number) => (flip ? x + width - 1 - j : x + j);
  // Source rows the vertical pass reads.
  let rowLo = src.height;
  let rowHi = 0;
  for (let i = 0; i < height; i++) {
    const r = y + i;
    if (r < 0 || r >= resizeHeight) continue;
    const lo = cy ? cy.first[r]! : r;
    const hi = cy ? lo + cy.count[r]! : r + 1;
    rowLo = Math.min(rowLo, lo);
    rowHi = Math.max(rowHi, hi);
  }
  // Window pixels outside the resized image are zero, like PIL's padded crop: v = 0 maps to
  // offset. (The kernel writes them itself.)
  const padded = () => {
    const out = pixels(height, width, c);
    if (offset !== 0) out.data.fill(offset);
    return out;
  };
  if (rowHi <= rowLo) return padded();

  // Per window column: where its taps start in a source row (-1: outside the resized
  // image), how many there are and where its weights sit, three integers each.
  const rows = rowHi - rowLo;
  const columns = new Int32Array(width * 3);
  for (let j = 0; j < width; j++) {
    const col = colOf(j);
    if (col < 0 || col >= resizeWidth) {
      columns[j * 3] = -1;
      continue;
    }
    columns[j * 3] = (cx ? cx.first[col]! : col) * c;
    columns[j * 3 + 1] = cx ? cx.count[col]! : 1;
    columns[j * 3 + 2] = cx ? col * cx.taps : 0;
  }
  const srcRowLen = src.width * c;
  // 8-bit images resampled as PIL does (rounded, clipped to bytes): the SIMD kernel.
  const bytes = src.data instanceof Uint8Array || src.data instanceof Uint8ClampedArray;
  if (bytes && round && clampTo === 255 && bytesKernelAvailable()) {
    const table = new Int32Array(height * 3);
    for (let i = 0; i < height; i++) {
      const r = y + i;
      if (r < 0 || r >= resizeHeight) {
        table[i * 3] = -1;
        continue;
      }
      table[i * 3] = (cy ? cy.first[r]! : r) - rowLo;
      table[i * 3 + 1] = cy ? cy.count[r]! : 1;
      table[i * 3 + 2] = cy ? r * cy.taps : 0;
    }
    const plan: BytesPlan = {
      src: src.data as Uint8Array,
      srcStride: srcRowLen,
      srcOffset: sourceX * c,
      stride: sourceWidth * c,
      rowLo,
      rowCount: rows,
      channels: c,
      width,
      height,
      columns,
      xWeights: fixedPoint(cx),
      rows: table,
      yWeights: fixedPoint(cy),
      scale,
      offset,
    };
    return { data: runBytesPlan(plan), height, width, channels: c };
  }

  // Horizontal pass: source rows [rowLo, rowHi) into the window's columns, in order.
  const out = padded();
  const mid = new Float64Array(rows * width * c);
  const s = src.data;
  const weights = cx?.weights;
  for (let r = 0; r < rows; r++) {
    const rowBase = (r + rowLo) * srcRowLen;
    let to = r * width * c;
    for (let j = 0; j < width; j++, to += c) {
      const start = columns[j * 3]!;
      if (start < 0) continue;
      const p0 = rowBase + sourceX * c + start;
      if (!weights) {
        for (let k = 0; k < c; k++) mid[to + k] = s[p0 + k]!;
        continue;
      }
      const n = columns[j * 3 + 1]!;
      const wOff = columns[j * 3 + 2]!;
      if (c === 3) {
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        if (n === 4) {
          const w0 = weights[wOff]!;
          const w1 = weights[wOff + 1]!;
          const w2 = weights[wOff + 2]!;
          const w3 = weights[wOff + 3]!;
          a0 = s[p0]! * w0 + s[p0 + 3]! * w1 + s[p0 + 6]! * w2 + s[p0 + 9]! * w3;
          a1 = s[p0 + 1]! * w0 + s[p0 + 4]! * w1 + s[p0 + 7]! * w2 + s[p0 + 10]! * w3;
          a2 = s[p0 + 2]! * w0 + s[p0 + 5]! * w1 + s[p0 + 8]! * w2 + s[p0 + 11]! * w3;
        } else {
          for (let t = 0, p = p0; t < n; t++, p += 3) {
            const w = weights[wOff + t]!;
            a0 += s[p]! * w;
            a1 += s[p + 1]! * w;
            a2 += s[p + 2]! * w;
          }
        }
        // PIL clips after each pass (cubic overshoots); so do we, to the caller's range.
        if (round) {
          a0 = Math.floor(a0 + 0.5);
          a1 = Math.floor(a1 + 0.5);
          a2 = Math.floor(a2 + 0.5);
        }
        mid[to] = Math.min(Math.max(a0, floor), clampTo);
        mid[to + 1] = Math.min(Math.max(a1, floor), clampTo);
        mid[to + 2] = Math.min(Math.max(a2, floor), clampTo);
      } else {
        for (let k = 0; k < c; k++) {
          let a = 0;
          for (let t = 0; t < n; t++) a += s[p0 + t * c + k]! * weights[wOff + t]!;
          if (round) a = Math.floor(a + 0.5);
          mid[to + k] = Math.min(Math.max(a, floor), clampTo);
        }
      }
    }
  }

  // Vertical pass: window rows from the intermediate rows.
  const o = out.data;
  const rowLen = width * c;
  // Rows accumulate in doubles (float32 partial sums would drift from PIL's integers).
  const acc = new Float64Array(rowLen);
  for (let i = 0; i < height; i++) {
    const r = y + i;
    if (r < 0 || r >= resizeHeight) continue;
    const to = i * rowLen;
    if (!cy) {
      const from = (r - rowLo) * rowLen;
      for (let k = 0; k < rowLen; k++) o[to + k] = mid[from + k]! * scale + offset;
      continue;
    }
    const lo = cy.first[r]! - rowLo;
    const n = cy.count[r]!;
    const wOff = r * cy.taps;
    if (n === 4) {
      // The common case (bicubic, enlarging): one pass, four rows at once.
      const w0 = cy.weights[wOff]!;
      const w1 = cy.weights[wOff + 1]!;
      const w2 = cy.weights[wOff + 2]!;
      const w3 = cy.weights[wOff + 3]!;
      const r0 = lo * rowLen;
      const r1 = r0 + rowLen;
      const r2 = r1 + rowLen;
      const r3 = r2 + rowLen;
      for (let k = 0; k < rowLen; k++) {
        let v = mid[r0 + k]! * w0 + mid[r1 + k]! * w1 + mid[r2 + k]! * w2 + mid[r3 + k]! * w3;
        if (round) v = Math.floor(v + 0.5);
        o[to + k] = Math.min(Math.max(v, floor), clampTo) * scale + offset;
      }
      continue;
    }
    acc.fill(0);
    for (let t = 0; t < n; t++) {
      const w = cy.weights[wOff + t]!;
      const from = (lo + t) * rowLen;
      for (let k = 0; k < rowLen; k++) acc[k]! += mid[from + k]! * w;
    }
    for (let k = 0; k < rowLen; k++) {
      const v = round ? Math.floor(acc[k]! + 0.5) : acc[k]!;
      o[to + k] = Math.min(Math.max(v, floor), clampTo) * scale + offset;
    }
  }
  // Columns of the window beyond the resized image stay zero (set by the horizontal pass).
  return out;
}

/**
 * Quantized weights as PIL's integers k (weights k / 2^22), each four times: the kernel
 * loads a tap's weight as one vector. None: one tap of weight 1.
 */
function fixedPoint(c: Coefficients | undefined): Int32Array {
  if (!c) return new Int32Array(4).fill(PRECISION);
  if (!c.fixed) {
    c.fixed = new Int32Array(c.weights.length * 4);
    for (let i = 0; i < c.weights.length; i++)
      c.fixed.fill(c.weights[i]! * PRECISION, i * 4, i * 4 + 4);
  }
  return c.fixed;
}

/** Resizes the whole image (PIL `Image.resize` with the same filter). */
export function resize(
  src: Raster,
  width: number,
  height: number,
  options: ResampleOptions = {},
): Pixels {
  return resampleWindow(
    src,
    { resizeWidth: width, resizeHeight: height, x: 0, y: 0, width, height, flip: false },
    options,
  );
}
