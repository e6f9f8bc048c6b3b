import { ArgumentError, describe, FormatError } from '@atelier/core';

/**
 * IDX, the format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist): two zero
 * bytes, a type code, the number of dimensions, each dimension as a big-endian
 * uint32, then the values, big-endian, row-major.
 */
export type IdxType = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';

const TYPES: Record<number, { type: IdxType; size: number }> = {
  8: { type: 'ubyte', size: 1 },
  9: { type: 'byte', size: 1 },
  11: { type: 'short', size: 2 },
  12: { type: 'int', size: 4 },
  13: { type: 'float', size: 4 },
  14: { type: 'double', size: 8 },
};

export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/**
 * The byte length the IDX header at the start of `head` declares (header plus values),
 * or undefined when `head` is too short or not an IDX header: used to bound the inflate
 * of a gzipped IDX file before it runs.
 */
export function idxByteLength(head: Uint8Array): number | undefined {
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0) return undefined;
  const kind = TYPES[head[2]!];
  const rank = head[3]!;
  const header = 4 + 4 * rank;
  if (!kind || rank < 1 || head.length < header) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let count = 1;
  for (let i = 0; i < rank; i++) count *= view.getUint32(4 + 4 * i, false);
  return header + count * kind.size;
}

/** Parses IDX bytes (already inflated); `name` (the file) goes into every error. */
export function decodeIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (bytes.length < 4) {
    throw new FormatError(
      `${name}: not an IDX file: ${bytes.length} bytes, shorter than the 4-byte header`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(
      `${name}: not an IDX file: expected magic bytes 00 00, got ${bytes[0]!.toString(16)} ${bytes[1]!.toString(16)}`,
    );
  }
  const kind = TYPES[bytes[2]!];
  if (!kind) throw new FormatError(`${name}: unknown IDX type code 0x${bytes[2]!.toString(16)}`);
  const rank = bytes[3]!;
  if (rank < 1) throw new FormatError(`${name}: IDX header declares 0 dimensions`);
  const header = 4 + 4 * rank;
  if (bytes.length < header) {
    throw new FormatError(
      `${name}: truncated IDX header: ${rank} dimensions need ${header} bytes, file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = header + count * kind.size;
  if (bytes.length !== expected) {
    throw new FormatError(
      `${name}: ${bytes.length < expected ? 'truncated' : 'trailing bytes in'} IDX data: shape [${shape.join(', ')}] of ${kind.type} needs ${expected} bytes, file has ${bytes.length}`,
    );
  }
  let data: IdxArray['data'];
  switch (kind.type) {
    case 'ubyte':
      data = bytes.slice(header);
      break;
    case 'byte':
      data = new Int8Array(bytes.slice(header).buffer);
      break;
    case 'short':
      data = Int16Array.from({ length: count }, (_, i) => view.getInt16(header + 2 * i, false));
      break;
    case 'int':
      data = Int32Array.from({ length: count }, (_, i) => view.getInt32(header + 4 * i, false));
      break;
    case 'float':
      data = Float32Array.from({ length: count }, (_, i) => view.getFloat32(header + 4 * i, false));
      break;
    case 'double':
      data = Float64Array.from({ length: count }, (_, i) => view.getFloat64(header + 8 * i, false));
      break;
  }
  return { type: kind.type, shape, data };
}

/** Writes IDX bytes (big-endian), the inverse of `decodeIdx`. */
export function encodeIdx(array: IdxArray): Uint8Array {
  const code = Object.entries(TYPES).find(([, k]) => k.type === array.type);
  if (!code) throw new ArgumentError(`encodeIdx: unknown type ${describe(array.type)}`);
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new ArgumentError(
      `encodeIdx: shape [${array.shape.join(', ')}] holds ${count} values, data has ${array.data.length}`,
    );
  }
  const size = code[1].size;
  const header = 4 + 4 * array.shape.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = Number(code[0]);
  out[3] = array.shape.length;
  for (const [i, d] of array.shape.entries()) view.setUint32(4 + 4 * i, d, false);
  for (let i = 0; i < count; i++) {
    const v = Number(array.data[i]);
    const at = header + i * size;
    switch (array.type) {
      case 'ubyte':
        view.setUint8(at, v);
        break;
      case 'byte':
        view.setInt8(at, v);
        break;
      case 'short':
        view.setInt16(at, v, false);
        break;
      case 'int':
        view.setInt32(at, v, false);
        break;
      case 'float':
        view.setFloat32(at, v, false);
        break;
      case 'double':
        view.setFloat64(at, v, false);
        break;
    }
  }
  return out;
}
