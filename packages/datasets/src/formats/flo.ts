import { ArgumentError, FormatError } from '@atelier/core';

/**
 * Middlebury `.flo` optical flow (vision.middlebury.edu/flow/code/flow-code/README.txt):
 * the float 202021.25 (bytes "PIEH") as a sanity check, int32 width, int32 height, then
 * height x width (u, v) float32 pairs, row-major, all little-endian.
 */
export const FLO_MAGIC = 202021.25;
const HEADER = 12;
// The reference reader refuses absurd sizes; so do we, before allocating.
const MAX_SIDE = 1 << 16;

export interface Flow {
  width: number;
  height: number;
  /** height x width x 2 (u = horizontal, v = vertical displacement in pixels). */
  data: Float32Array;
}

export function decodeFlo(bytes: Uint8Array, name = '.flo data'): Flow {
  if (bytes.length < HEADER) {
    throw new FormatError(
      `${name}: truncated .flo header: ${bytes.length} bytes, expected at least ${HEADER}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getFloat32(0, true);
  if (magic !== FLO_MAGIC) {
    throw new FormatError(
      `${name}: not a .flo file: expected magic ${FLO_MAGIC} ("PIEH"), got ${magic}`,
    );
  }
  const width = view.getInt32(4, true);
  const height = view.getInt32(8, true);
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new FormatError(`${name}: implausible .flo size ${width} x ${height}`);
  }
  const expected = HEADER + width * height * 8;
  if (bytes.length !== expected) {
    throw new FormatError(
      `${name}: ${bytes.length < expected ? 'truncated' : 'trailing bytes in'} .flo data: ${width} x ${height} needs ${expected} bytes, file has ${bytes.length}`,
    );
  }
  const data = new Float32Array(width * height * 2);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(HEADER + 4 * i, true);
  return { width, height, data };
}

export function encodeFlo(flow: Flow): Uint8Array {
  if (flow.data.length !== flow.width * flow.height * 2) {
    throw new ArgumentError(
      `encodeFlo: ${flow.width} x ${flow.height} flow needs ${flow.width * flow.height * 2} values, got ${flow.data.length}`,
    );
  }
  const out = new Uint8Array(HEADER + flow.data.length * 4);
  const view = new DataView(out.buffer);
  view.setFloat32(0, FLO_MAGIC, true);
  view.setInt32(4, flow.width, true);
  view.setInt32(8, flow.height, true);
  for (let i = 0; i < flow.data.length; i++) view.setFloat32(HEADER + 4 * i, flow.data[i]!, true);
  return out;
}
