// AssemblyScript: the 8-bit resampling kernel of src/image/resample-kernel.ts, in
// WebAssembly SIMD. `npm run build:wasm` compiles it into src/image/resample-wasm.ts.
//
// It computes what PIL's ImagingResample computes for 8-bit images, bit for bit: weights
// in fixed point (k / 2^22, from the caller), sums in 32-bit integers starting at 2^21,
// an arithmetic shift by 22 and a clip to [0, 255] after each pass. A pixel's channels
// are the lanes of one i32x4, so each tap is one multiply-add for all of them.
//
// The horizontal pass widens each source row to i32 once (each byte is read by several
// taps) and writes the intermediate image as bytes, as PIL does; the vertical pass
// widens them as it reads them. Enlarging with the cubic filter, the common case,
// has four taps: both passes unroll it. Buffers are laid out by the caller in this
// module's memory, each with 64 bytes of slack after it: the kernel moves whole vectors.

const HALF: i32 = 1 << 21;

/** Where the caller may start laying out buffers. */
export function heapBase(): usize {
  return __heap_base;
}

/** Shift by PIL's 22 bits of fraction and clip to [0, 255]. */
function clip8(acc: v128): v128 {
  return i32x4.min_s(i32x4.max_s(i32x4.shr_s(acc, 22), i32x4.splat(0)), i32x4.splat(255));
}

/** Source bytes [row, row + length) as i32 at `wide` (16 at a time, into the slack). */
function widen(row: usize, length: i32, wide: usize): void {
  for (let k = 0; k < length; k += 16) {
    const v = v128.load(row + <usize>k);
    const low = i16x8.extend_low_i8x16_u(v);
    const high = i16x8.extend_high_i8x16_u(v);
    const at = wide + ((<usize>k) << 2);
    v128.store(at, i32x4.extend_low_i16x8_u(low));
    v128.store(at, i32x4.extend_high_i16x8_u(low), 16);
    v128.store(at, i32x4.extend_low_i16x8_u(high), 32);
    v128.store(at, i32x4.extend_high_i16x8_u(high), 48);
  }
}

/**
 * Horizontal pass: `rows` source rows (each `srcStride` bytes apart) into `width` output
 * columns of `channels` i32 samples, written contiguously to `mid`. `columns` holds three
 * i32 per output column: the byte offset of its first tap in a source row (-1: outside
 * the resized image, written as zeros), its tap count, and the index of its first weight.
 * `weights` holds each weight four times (one vector per tap). `wide` is scratch for one
 * source row as i32.
 */
export function horizontal(
  src: usize,
  srcStride: i32,
  rows: i32,
  channels: i32,
  width: i32,
  columns: usize,
  weights: usize,
  mid: usize,
  wide: usize,
): void {
  const half = i32x4.splat(HALF);
  const pixel = (<usize>channels) << 2;
  let to = mid;
  for (let r = 0; r < rows; r++) {
    widen(src + <usize>(r * srcStride), srcStride, wide);
    for (let j = 0; j < width; j++) {
      const entry = columns + <usize>(j * 12);
      const start = load<i32>(entry);
      if (start < 0) {
        for (let k = 0; k < channels; k += 4) store<i32>(to + <usize>k, 0);
      } else {
        const n = load<i32>(entry, 4);
        const w = weights + ((<usize>load<i32>(entry, 8)) << 4);
        // Four channels at a time; lanes past this pixel's last channel land on the next
        // pixel (or the slack), which is written after.
        for (let k = 0; k < channels; k += 4) {
          const p = wide + ((<usize>(start + k)) << 2);
          let acc = half;
          if (n === 4) {
            // Enlarging with the cubic filter: four taps, unrolled.
            acc = i32x4.add(acc, i32x4.mul(v128.load(p), v128.load(w)));
            acc = i32x4.add(acc, i32x4.mul(v128.load(p + pixel), v128.load(w, 16)));
            acc = i32x4.add(acc, i32x4.mul(v128.load(p + 2 * pixel), v128.load(w, 32)));
            acc = i32x4.add(acc, i32x4.mul(v128.load(p + 3 * pixel), v128.load(w, 48)));
          } else {
            let q = p;
            for (let t = 0; t < n; t++) {
              acc = i32x4.add(acc, i32x4.mul(v128.load(q), v128.load(w + ((<usize>t) << 4))));
              q += pixel;
            }
          }
          // Saturating narrows clip to [0, 255], as PIL's clip8.
          const shifted = i32x4.shr_s(acc, 22);
          const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(shifted, shifted), half);
          v128.store32_lane(to + <usize>k, bytes, 0);
        }
      }
      to += <usize>channels;
    }
  }
}

/** Four bytes at `p` as i32 lanes. */
function widen4(p: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
}

/** v * scale + offset in doubles, rounded to float32 (as JavaScript stores a double). */
function affine(v: v128, scale: v128, offset: v128): v128 {
  return f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(v), scale), offset));
}

/** Four sums: shift, clip to [0, 255], map into the output range, store as float32. */
function store4(to: usize, acc: v128, scale: v128, offset: v128): void {
  const v = clip8(acc);
  const low = affine(v, scale, offset);
  const high = affine(v128.shuffle<i32>(v, v, 2, 3, 0, 1), scale, offset);
  v128.store(to, v128.shuffle<f32>(low, high, 0, 1, 4, 5));
}

/**
 * Vertical pass: `outRows` rows of `rowLen` float32 values from the byte rows of `mid`.
 * `table` holds three i32 per output row: the `mid` row of its first tap (-1: outside
 * the resized image, written as `offset`), its tap count, and the index of its first
 * weight; `weights` holds each four times. Values are clip(sum) * scale + offset.
 */
export function vertical(
  mid: usize,
  rowLen: i32,
  outRows: i32,
  table: usize,
  weights: usize,
  out: usize,
  scale: f64,
  offset: f64,
): void {
  const half = i32x4.splat(HALF);
  const scale2 = f64x2.splat(scale);
  const offset2 = f64x2.splat(offset);
  const stride = <usize>rowLen;
  for (let i = 0; i < outRows; i++) {
    const entry = table + <usize>(i * 12);
    const first = load<i32>(entry);
    const to = out + <usize>(i * rowLen) * 4;
    if (first < 0) {
      for (let k = 0; k < rowLen; k++) store<f32>(to + ((<usize>k) << 2), <f32>offset);
      continue;
    }
    const n = load<i32>(entry, 4);
    const w = weights + ((<usize>load<i32>(entry, 8)) << 4);
    const base = mid + <usize>first * stride;
    let k = 0;
    if (n === 4) {
      // Enlarging with the cubic filter: four rows, weights held in registers.
      const w0 = v128.load(w);
      const w1 = v128.load(w, 16);
      const w2 = v128.load(w, 32);
      const w3 = v128.load(w, 48);
      for (; k + 4 <= rowLen; k += 4) {
        const p = base + <usize>k;
        let acc = i32x4.add(half, i32x4.mul(widen4(p), w0));
        acc = i32x4.add(acc, i32x4.mul(widen4(p + stride), w1));
        acc = i32x4.add(acc, i32x4.mul(widen4(p + 2 * stride), w2));
        acc = i32x4.add(acc, i32x4.mul(widen4(p + 3 * stride), w3));
        store4(to + ((<usize>k) << 2), acc, scale2, offset2);
      }
    } else {
      for (; k + 4 <= rowLen; k += 4) {
        let p = base + <usize>k;
        let acc = half;
        for (let t = 0; t < n; t++) {
          acc = i32x4.add(acc, i32x4.mul(widen4(p), v128.load(w + ((<usize>t) << 4))));
          p += stride;
        }
        store4(to + ((<usize>k) << 2), acc, scale2, offset2);
      }
    }
    for (; k < rowLen; k++) {
      let a = HALF;
      let p = base + <usize>k;
      for (let t = 0; t < n; t++) {
        a += <i32>load<u8>(p) * load<i32>(w + ((<usize>t) << 4));
        p += stride;
      }
      const v = min(max(a >> 22, 0), 255);
      store<f32>(to + ((<usize>k) << 2), <f32>(<f64>v * scale + offset));
    }
  }
}
