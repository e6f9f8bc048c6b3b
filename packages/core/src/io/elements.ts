import { FormatError } from '../errors.js';

/**
 * The element types weight files store, as little-endian bytes, and what tfjs holds them
 * as: floats become float32, integers int32 (when every value fits), booleans bool.
 */
export type ElementKind =
  | 'f64'
  | 'f32'
  | 'f16'
  | 'bf16'
  | 'i64'
  | 'u64'
  | 'i32'
  | 'u32'
  | 'i16'
  | 'u16'
  | 'i8'
  | 'u8'
  | 'bool';

export const ELEMENT_BYTES: Readonly<Record<ElementKind, number>> = {
  f64: 8,
  f32: 4,
  f16: 2,
  bf16: 2,
  i64: 8,
  u64: 8,
  i32: 4,
  u32: 4,
  i16: 2,
  u16: 2,
  i8: 1,
  u8: 1,
  bool: 1,
};

export type DecodedElements =
  | { dtype: 'float32'; values: Float32Array }
  | { dtype: 'int32'; values: Int32Array }
  | { dtype: 'bool'; values: Uint8Array };

/**
 * Tensors one weight file may hold. Models with many thousands of tensors exist (a
 * large state dict has a few thousand per file); a million empty ones fit in a 59 MB
 * safetensors header and take a minute to make.
 */
export const MAX_TENSORS_PER_FILE = 100_000;

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A copy of little-endian elements in host byte order, in a fresh (so aligned) buffer.
 * Every JavaScript engine in use is little-endian; the swap is there for correctness.
 */
function hostOrderCopy(bytes: Uint8Array, size: number): ArrayBuffer {
  // Uint8Array's own slice: a Node Buffer's slice is a view of its shared pool.
  const copy = Uint8Array.prototype.slice.call(bytes);
  if (!LITTLE_ENDIAN_HOST && size > 1) {
    for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  }
  return copy.buffer;
}

/** float16 (IEEE half) bits to a number, subnormals, infinities and NaN included. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Decodes `bytes` (a whole number of elements of `kind`) into the array tfjs takes.
 * int64 and the unsigned 32/64-bit kinds are checked value by value: one that does not
 * fit int32 is a FormatError naming `what`, never a silently wrapped number.
 */
export function decodeElements(
  bytes: Uint8Array,
  kind: ElementKind,
  what: string,
): DecodedElements {
  const size = ELEMENT_BYTES[kind];
  if (bytes.length % size !== 0) {
    throw new FormatError(`${what}: ${bytes.length} bytes is not a whole number of ${kind}`);
  }
  const buffer = hostOrderCopy(bytes, size);
  const count = bytes.length / size;
  switch (kind) {
    case 'f32':
      return { dtype: 'float32', values: new Float32Array(buffer) };
    case 'f64':
      return { dtype: 'float32', values: Float32Array.from(new Float64Array(buffer)) };
    case 'f16': {
      const bits = new Uint16Array(buffer);
      const values = new Float32Array(count);
      for (let i = 0; i < count; i++) values[i] = halfToFloat(bits[i]!);
      return { dtype: 'float32', values };
    }
    case 'bf16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint16Array(buffer);
      const wide = new Uint32Array(count);
      for (let i = 0; i < count; i++) wide[i] = bits[i]! << 16;
      return { dtype: 'float32', values: new Float32Array(wide.buffer) };
    }
    case 'i32':
      return { dtype: 'int32', values: new Int32Array(buffer) };
    case 'i16':
      return { dtype: 'int32', values: Int32Array.from(new Int16Array(buffer)) };
    case 'u16':
      return { dtype: 'int32', values: Int32Array.from(new Uint16Array(buffer)) };
    case 'i8':
      return { dtype: 'int32', values: Int32Array.from(new Int8Array(buffer)) };
    case 'u8':
      return { dtype: 'int32', values: Int32Array.from(new Uint8Array(buffer)) };
    case 'u32': {
      const values = new Int32Array(buffer);
      for (let i = 0; i < count; i++) {
        if (values[i]! < 0) throw outOfRange(what, kind, i, BigInt(values[i]! >>> 0));
      }
      return { dtype: 'int32', values };
    }
    case 'i64':
    case 'u64': {
      // A 64-bit value fits int32 when its high word is the sign extension of its low
      // word (int64), or zero with a non-negative low word (uint64).
      const words = new Int32Array(buffer);
      const values = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = words[2 * i]!;
        const hi = words[2 * i + 1]!;
        const fits = kind === 'i64' ? hi === lo >> 31 : hi === 0 && lo >= 0;
        if (!fits) {
          const view = new DataView(buffer, 8 * i, 8);
          const value =
            kind === 'i64'
              ? view.getBigInt64(0, LITTLE_ENDIAN_HOST)
              : view.getBigUint64(0, LITTLE_ENDIAN_HOST);
          throw outOfRange(what, kind, i, value);
        }
        values[i] = lo;
      }
      return { dtype: 'int32', values };
    }
    case 'bool': {
      // Any non-zero byte is true, as numpy and PyTorch read it.
      const values = new Uint8Array(buffer);
      for (let i = 0; i < count; i++) values[i] = values[i] ? 1 : 0;
      return { dtype: 'bool', values };
    }
  }
}

function outOfRange(what: string, kind: ElementKind, index: number, value: bigint): FormatError {
  return new FormatError(
    `${what}: ${kind} value ${value} at element ${index} is outside the int32 range tfjs holds`,
  );
}
