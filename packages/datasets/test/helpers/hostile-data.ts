/**
 * A corpus of hostile data files (IDX, gzipped IDX, CIFAR-10 batches, Middlebury .flo),
 * made at test time: each with the reader that takes it and the error it must get.
 * Includes the probe's gzipped MNIST that inflates to far more than its header says.
 */
import { gzipSync } from 'node:zlib';
import { encodeCifar10, encodeFlo } from '../../src/index.js';

export interface HostileDataFile {
  name: string;
  /** Which reader: an MNIST folder's image file, a CIFAR-10 test batch, or readFlo. */
  kind: 'mnist-images' | 'cifar-test' | 'flo';
  bytes: Uint8Array;
  error: RegExp;
}

/** IDX bytes: header for `type` code and `shape`, then `values` bytes of `fill`. */
export function idxBytes(shape: number[], values: number, type = 8, fill = 0): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + values).fill(fill);
  out[0] = 0;
  out[1] = 0;
  out[2] = type;
  out[3] = shape.length;
  const view = new DataView(out.buffer);
  for (const [i, d] of shape.entries()) view.setUint32(4 + 4 * i, d);
  return out;
}

function floBytes(width: number, height: number, values: number): Uint8Array {
  const out = new Uint8Array(12 + values * 4);
  const view = new DataView(out.buffer);
  view.setFloat32(0, 202021.25, true);
  view.setInt32(4, width, true);
  view.setInt32(8, height, true);
  return out;
}

function hostileIdx(): HostileDataFile[] {
  const valid = idxBytes([2, 28, 28], 2 * 784);
  const file = (name: string, bytes: Uint8Array, error: RegExp): HostileDataFile => ({
    name,
    kind: 'mnist-images',
    bytes,
    error,
  });
  return [
    file(
      'idx-bomb.gz',
      gzipSync(idxBytes([2, 28, 28], 48 * 2 ** 20), { level: 9 }),
      /inflates to more than the 1584 bytes its header declares/,
    ),
    file(
      'idx-declares-2gib.gz',
      gzipSync(idxBytes([2739733, 28, 28], 4096)),
      /declares 2147950688 bytes of data, more than the limit/,
    ),
    file(
      'idx-declares-too-much.gz',
      gzipSync(idxBytes([100000, 28, 28], 4096)),
      /which \d+ bytes of gzip cannot hold/,
    ),
    file(
      'idx-gzip-cut.gz',
      gzipSync(valid).subarray(0, 30),
      /corrupt gzip stream|inflates|truncated IDX/,
    ),
    file(
      'idx-gzip-crc.gz',
      (() => {
        const g = gzipSync(valid);
        g[g.length - 6]! ^= 1;
        return g;
      })(),
      /corrupt gzip stream/,
    ),
    file('idx-truncated', valid.subarray(0, 800), /truncated IDX data/),
    file('idx-trailing', new Uint8Array([...valid, 1, 2, 3]), /trailing bytes in IDX data/),
    file(
      'idx-magic',
      new Uint8Array([1, 2, 8, 3, ...valid.subarray(4)]),
      /expected magic bytes 00 00/,
    ),
    file('idx-type', idxBytes([2, 28, 28], 2 * 784, 0x0a), /unknown IDX type code 0xa/),
    file('idx-rank-0', idxBytes([], 10), /declares 0 dimensions/),
    file(
      'idx-rank-255',
      new Uint8Array([0, 0, 8, 255, 0, 0, 0, 1]),
      /truncated IDX header: 255 dimensions need 1024 bytes/,
    ),
    file('idx-huge-dims', idxBytes([0xffffffff, 0xffffffff, 0xffffffff], 16), /truncated IDX data/),
    file(
      'idx-int-labels-as-images',
      idxBytes([2, 28, 28], 2 * 784 * 4, 12),
      /expected ubyte images/,
    ),
    file('idx-empty', new Uint8Array(), /shorter than the 4-byte header/),
  ];
}

function hostileCifar(): HostileDataFile[] {
  const batch = encodeCifar10({
    count: 2,
    images: new Uint8Array(2 * 3072),
    labels: new Uint8Array([3, 4]),
  });
  const label = batch.slice();
  label[3073] = 10;
  const file = (name: string, bytes: Uint8Array, error: RegExp): HostileDataFile => ({
    name,
    kind: 'cifar-test',
    bytes,
    error,
  });
  return [
    file(
      'cifar-empty.bin',
      new Uint8Array(),
      /0 bytes is not a positive multiple of the 3073-byte record/,
    ),
    file('cifar-cut.bin', batch.subarray(0, 5000), /5000 bytes is not a positive multiple/),
    file('cifar-label-10.bin', label, /record 1 has label 10, CIFAR-10 labels are 0..9/),
  ];
}

function hostileFlo(): HostileDataFile[] {
  const valid = encodeFlo({ width: 3, height: 2, data: new Float32Array(12) });
  const file = (name: string, bytes: Uint8Array, error: RegExp): HostileDataFile => ({
    name,
    kind: 'flo',
    bytes,
    error,
  });
  const magic = valid.slice();
  magic[0] = 0;
  return [
    file('flo-magic.flo', magic, /not a .flo file: expected magic 202021.25/),
    file('flo-negative.flo', floBytes(-1, 2, 12), /implausible .flo size -1 x 2/),
    file('flo-zero.flo', floBytes(0, 0, 0), /implausible .flo size 0 x 0/),
    file('flo-huge.flo', floBytes(65536, 65536, 12), /65536 x 65536 needs 34359738380 bytes/),
    file('flo-over-side.flo', floBytes(2 ** 30, 1, 12), /implausible .flo size 1073741824 x 1/),
    file('flo-truncated.flo', valid.subarray(0, 40), /truncated .flo data/),
    file('flo-header-cut.flo', valid.subarray(0, 7), /truncated .flo header/),
    file('flo-trailing.flo', new Uint8Array([...valid, 0, 0, 0, 0]), /trailing bytes in .flo data/),
  ];
}

export function hostileDataFiles(): HostileDataFile[] {
  return [...hostileIdx(), ...hostileCifar(), ...hostileFlo()];
}
