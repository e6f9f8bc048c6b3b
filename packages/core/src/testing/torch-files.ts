/**
 * Writers of the files torch.save makes, byte by byte: a zip of stored entries and a
 * pickle assembler. A second writer beside PyTorch's, for tests and for the hostile
 * corpus, which needs files PyTorch would never write.
 */
import { crc32 } from '../io/zip.js';

const enc = new TextEncoder();

/** Concatenates byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A zip of stored entries (no data descriptors); `method` labels every entry. */
export function zipStored(files: [string, Uint8Array][], method = 0): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const n = enc.encode(name);
    const local = new Uint8Array(30 + n.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc32(data), true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, n.length, true);
    local.set(n, 30);
    const central = new Uint8Array(46 + n.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc32(data), true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, n.length, true);
    cv.setUint32(42, offset, true);
    central.set(n, 46);
    locals.push(local, data);
    centrals.push(central);
    offset += local.length + data.length;
  }
  const cdSize = centrals.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return concatBytes([...locals, ...centrals, end]);
}

/** Pickle opcodes as bytes. */
export const op = {
  proto: [0x80, 2],
  mark: [0x28],
  tuple: [0x74],
  tuple1: [0x85],
  tuple2: [0x86],
  emptyTuple: [0x29],
  emptyDict: [0x7d],
  emptyList: [0x5d],
  list: [0x6c],
  append: [0x61],
  setitem: [0x73],
  reduce: [0x52],
  build: [0x62],
  persid: [0x51],
  none: [0x4e],
  newFalse: [0x89],
  dup: [0x32],
  pop: [0x30],
  stop: [0x2e],
  global: (module: string, name: string) => [0x63, ...enc.encode(`${module}\n${name}\n`)],
  str: (s: string) => {
    const b = enc.encode(s);
    return [0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, 0, ...b];
  },
  int: (n: number) => [0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff],
  put: (i: number) => [0x71, i],
  get: (i: number) => [0x68, i],
};

/** A pickle from opcodes. */
export const pickle = (...parts: (number[] | number)[]): Uint8Array => new Uint8Array(parts.flat());

/** The persistent id of storage `key`: ('storage', torch.<type>, key, 'cpu', numel). */
export function storageId(key: string, numel: number, storageType = 'FloatStorage'): number[] {
  return [
    ...op.mark,
    ...op.str('storage'),
    ...op.global('torch', storageType),
    ...op.str(key),
    ...op.str('cpu'),
    ...op.int(numel),
    ...op.tuple,
    ...op.persid,
  ];
}

/** `_rebuild_tensor_v2(<storage>, offset, <size>, <stride>, False, OrderedDict())`. */
export function rebuildTensor(storage: number[], offset: number, size: number[], stride: number[]) {
  return [
    ...op.global('torch._utils', '_rebuild_tensor_v2'),
    ...op.mark,
    ...storage,
    ...op.int(offset),
    ...size,
    ...stride,
    ...op.newFalse,
    ...op.global('collections', 'OrderedDict'),
    ...op.emptyTuple,
    ...op.reduce,
    ...op.tuple,
    ...op.reduce,
  ];
}

/** A tuple of ints, as a pickle fragment. */
export const intTuple = (values: number[]): number[] => [
  ...op.mark,
  ...values.flatMap(op.int),
  ...op.tuple,
];

/** A torch.save zip archive: `archive/data.pkl`, the storages, `archive/version`. */
export function torchArchive(pkl: Uint8Array, storages: [string, Uint8Array][]): Uint8Array {
  return zipStored([
    ['archive/data.pkl', pkl],
    ...storages.map(([key, bytes]): [string, Uint8Array] => [`archive/data/${key}`, bytes]),
    ['archive/version', enc.encode('3\n')],
  ]);
}
