import { ArgumentError, FormatError } from '@atelier/core';

/**
 * CIFAR-10's binary version (cifar-10-batches-bin/*.bin): records of 1 label byte then
 * 3072 pixel bytes, the red plane, then green, then blue, each 32 x 32 row-major.
 */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

export interface CifarBatch {
  count: number;
  /** count x 32 x 32 x 3 bytes, HWC (interleaved, as tensors want them). */
  images: Uint8Array;
  labels: Uint8Array;
}

export function decodeCifar10(bytes: Uint8Array, name = 'CIFAR-10 data'): CifarBatch {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new FormatError(
      `${name}: not a CIFAR-10 binary batch: ${bytes.length} bytes is not a positive multiple of the ${RECORD}-byte record (truncated?)`,
    );
  }
  const count = bytes.length / RECORD;
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const base = n * RECORD;
    const label = bytes[base]!;
    if (label >= CIFAR10_CLASSES.length) {
      throw new FormatError(`${name}: record ${n} has label ${label}, CIFAR-10 labels are 0..9`);
    }
    labels[n] = label;
    const out = n * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      images[out + 3 * p] = bytes[base + 1 + p]!;
      images[out + 3 * p + 1] = bytes[base + 1 + PLANE + p]!;
      images[out + 3 * p + 2] = bytes[base + 1 + 2 * PLANE + p]!;
    }
  }
  return { count, images, labels };
}

/** Writes the binary records, the inverse of `decodeCifar10`. */
export function encodeCifar10(batch: CifarBatch): Uint8Array {
  if (batch.images.length !== batch.count * 3 * PLANE || batch.labels.length !== batch.count) {
    throw new ArgumentError(
      `encodeCifar10: ${batch.count} records need ${batch.count * 3 * PLANE} image bytes and ${batch.count} labels, got ${batch.images.length} and ${batch.labels.length}`,
    );
  }
  const out = new Uint8Array(batch.count * RECORD);
  for (let n = 0; n < batch.count; n++) {
    const base = n * RECORD;
    out[base] = batch.labels[n]!;
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < 3; c++)
        out[base + 1 + c * PLANE + p] = batch.images[n * 3 * PLANE + 3 * p + c]!;
    }
  }
  return out;
}
