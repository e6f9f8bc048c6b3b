import { RESAMPLE_WASM_BASE64 } from './resample-wasm.js';

/**
 * The 8-bit resampling kernel in WebAssembly SIMD (wasm/resample.ts): PIL's fixed-point
 * arithmetic in 32-bit integer lanes, several times faster than the same sums in
 * JavaScript doubles. Engines without WebAssembly SIMD get `undefined` here, and the
 * caller keeps its JavaScript loop.
 */

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  horizontal(
    src: number,
    srcStride: number,
    rows: number,
    channels: number,
    width: number,
    columns: number,
    weights: number,
    mid: number,
    wide: number,
  ): void;
  vertical(
    mid: number,
    rowLen: number,
    outRows: number,
    table: number,
    weights: number,
    out: number,
    scale: number,
    offset: number,
  ): void;
}

/**
 * One resample of 8-bit samples, laid out as the kernel reads it. `columns` and `rows`
 * hold three integers per output column (row): where its first tap is (a byte offset in
 * a source row; a row of the intermediate image), how many taps, and the index of its
 * first weight; -1 marks one outside the resized image.
 */
export interface BytesPlan {
  /** Rows [rowLo, rowLo + rowCount) of `src` (rows `srcStride` bytes apart) are read, from byte `srcOffset` of each, `stride` bytes. */
  src: Uint8Array | Uint8ClampedArray;
  srcStride: number;
  srcOffset: number;
  stride: number;
  rowLo: number;
  rowCount: number;
  channels: number;
  width: number;
  height: number;
  columns: Int32Array;
  /** Each weight four times (one vector per tap). */
  xWeights: Int32Array;
  rows: Int32Array;
  yWeights: Int32Array;
  scale: number;
  offset: number;
}

let kernel: Exports | null | undefined;

function instantiate(): Exports | null {
  try {
    const text = atob(RESAMPLE_WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    // The module is 1.5 kB: synchronous compilation is allowed everywhere, browsers' main
    // threads included. Validation fails where SIMD is unsupported.
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), {})
      .exports as unknown as Exports;
  } catch {
    return null;
  }
}

/** Whether this engine runs the kernel (WebAssembly with SIMD). */
export function bytesKernelAvailable(): boolean {
  kernel ??= instantiate();
  return kernel !== null;
}

// Every buffer starts on 16 bytes and has 64 bytes of slack: the kernel moves vectors.
const SLACK = 64;
const next = (at: number, bytes: number) => (at + bytes + SLACK + 15) & ~15;

/** Runs a plan: float32, HWC, `scale * byte + offset`. */
export function runBytesPlan(plan: BytesPlan): Float32Array {
  kernel ??= instantiate();
  if (!kernel) throw new Error('runBytesPlan: WebAssembly SIMD is unavailable');
  const k = kernel;
  const { channels: c, width, height, rowCount, stride } = plan;
  const src = next(k.heapBase(), 0);
  const wide = next(src, rowCount * stride);
  const mid = next(wide, stride * 4);
  const out = next(mid, rowCount * width * c);
  const columns = next(out, height * width * c * 4);
  const xWeights = next(columns, plan.columns.byteLength);
  const rows = next(xWeights, plan.xWeights.byteLength);
  const yWeights = next(rows, plan.rows.byteLength);
  const end = next(yWeights, plan.yWeights.byteLength);
  const missing = end - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));

  const buffer = k.memory.buffer;
  const heap = new Uint8Array(buffer);
  if (plan.srcOffset === 0 && plan.srcStride === stride) {
    const from = plan.rowLo * stride;
    heap.set(plan.src.subarray(from, from + rowCount * stride), src);
  } else {
    for (let r = 0; r < rowCount; r++) {
      const from = (plan.rowLo + r) * plan.srcStride + plan.srcOffset;
      heap.set(plan.src.subarray(from, from + stride), src + r * stride);
    }
  }
  new Int32Array(buffer, columns, plan.columns.length).set(plan.columns);
  new Int32Array(buffer, xWeights, plan.xWeights.length).set(plan.xWeights);
  new Int32Array(buffer, rows, plan.rows.length).set(plan.rows);
  new Int32Array(buffer, yWeights, plan.yWeights.length).set(plan.yWeights);
  k.horizontal(src, stride, rowCount, c, width, columns, xWeights, mid, wide);
  k.vertical(mid, width * c, height, rows, yWeights, out, plan.scale, plan.offset);
  return new Float32Array(buffer, out, height * width * c).slice();
}
