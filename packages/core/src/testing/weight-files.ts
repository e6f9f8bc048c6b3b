/**
 * Weight files for hostile-input testing: valid seeds (a torch.save zip, a legacy
 * torch.save file, a safetensors file), a corpus of crafted files each reader must
 * refuse (with the reason it must give), and one fuzz target per parser.
 */

import { AtelierError } from '../errors.js';
import { decodeWeights, type WeightsFormat } from '../io/weights-file.js';
import { tf } from '../tfjs.js';
import type { FuzzTarget } from './fuzz.js';
import {
  concatBytes,
  intTuple,
  op,
  pickle,
  rebuildTensor,
  storageId,
  torchArchive,
  zipStored,
} from './torch-files.js';

const enc = new TextEncoder();
const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
const i64 = (values: bigint[]) => new Uint8Array(new BigInt64Array(values).buffer);

/** `{'w': 2x3 float view, 'b': float at offset 6, 'n': int64 scalar}` as data.pkl. */
function seedPickle(): Uint8Array {
  const entry = (key: string, tensor: number[]) => [...op.str(key), ...tensor, ...op.setitem];
  return pickle(
    op.proto,
    op.global('collections', 'OrderedDict'),
    op.emptyTuple,
    op.reduce,
    entry('w', rebuildTensor(storageId('0', 8), 0, intTuple([2, 3]), intTuple([1, 2]))),
    entry('b', rebuildTensor(storageId('0', 8), 6, intTuple([2]), intTuple([1]))),
    entry('n', rebuildTensor(storageId('1', 1, 'LongStorage'), 0, intTuple([]), intTuple([]))),
    op.stop,
  );
}

const SEED_STORAGES: [string, Uint8Array][] = [
  ['0', f32([1, 2, 3, 4, 5, 6, 7, 8])],
  ['1', i64([42n])],
];

/** A valid torch.save zip archive. */
export function seedTorchZip(): Uint8Array {
  return torchArchive(seedPickle(), SEED_STORAGES);
}

/** A valid legacy torch.save file (torch < 1.6): five pickles, then the storages. */
export function seedTorchLegacy(): Uint8Array {
  // LONG1 of the magic number 0x1950a86a20f9469cfc6c, little-endian.
  const magic = pickle(
    op.proto,
    [0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19],
    op.stop,
  );
  const protocol = pickle(op.proto, [0x4d, 0xe9, 0x03], op.stop);
  const info = pickle(op.proto, op.emptyDict, op.str('little_endian'), [0x88], op.setitem, op.stop);
  const legacyId = (key: string, numel: number) => [
    ...op.mark,
    ...op.str('storage'),
    ...op.global('torch', 'FloatStorage'),
    ...op.str(key),
    ...op.str('cpu'),
    ...op.int(numel),
    ...op.none,
    ...op.tuple,
    ...op.persid,
  ];
  const object = pickle(
    op.proto,
    op.emptyDict,
    op.str('w'),
    rebuildTensor(legacyId('7', 4), 0, intTuple([2, 2]), intTuple([2, 1])),
    op.setitem,
    op.stop,
  );
  const keys = pickle(op.proto, op.mark, op.str('7'), op.list, op.stop);
  return concatBytes([magic, protocol, info, object, keys, i64([4n]), f32([1, 2, 3, 4])]);
}

/** A safetensors file from a header object and a data section. */
export function safetensorsBytes(header: string, data: Uint8Array, length?: bigint): Uint8Array {
  const text = enc.encode(header);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, length ?? BigInt(text.length), true);
  return concatBytes([prefix, text, data]);
}

/** A valid safetensors file: F32 [2], I64 [1], F16 [2], metadata. */
export function seedSafetensors(): Uint8Array {
  return safetensorsBytes(
    '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},"c":{"dtype":"F16","shape":[2],"data_offsets":[16,20]}}',
    concatBytes([f32([1, -2]), i64([7n]), new Uint8Array([0, 0x3c, 0, 0xc0])]),
  );
}

export interface HostileFile {
  name: string;
  bytes: Uint8Array;
  /** What the refusal must say (a regular expression's source). */
  reason: string;
}

const archive = (pkl: Uint8Array) => torchArchive(pkl, [['0', f32([1, 2, 3, 4])]]);
const sized = (size: number[]) =>
  archive(
    pickle(
      op.proto,
      op.emptyDict,
      op.str('w'),
      rebuildTensor(storageId('0', 4), 0, size, intTuple([1])),
      op.setitem,
      op.stop,
    ),
  );

function hostileTorch(): HostileFile[] {
  const dag: number[] = [...op.proto, ...op.none];
  for (let i = 0; i < 40; i++) dag.push(...op.dup, ...op.tuple2);
  const views: number[] = [...op.proto, ...op.emptyDict];
  for (let i = 0; i < 200; i++) {
    views.push(
      ...op.str(`w${i}`),
      ...rebuildTensor(storageId('0', 1), 0, intTuple([4096, 4096]), intTuple([0, 0])),
      ...op.setitem,
    );
  }
  const good = seedTorchZip();
  const badCrc = good.slice();
  badCrc[50] = badCrc[50]! ^ 1; // data.pkl starts at byte 46: its local header, then its name
  const legacy = seedTorchLegacy();
  const hugeNumel = legacy.slice();
  new DataView(hugeNumel.buffer).setBigInt64(legacy.length - 24, 2n ** 61n, true);
  return [
    {
      name: 'size-list-holds-itself.pth',
      bytes: sized([...op.emptyList, ...op.dup, ...op.append]),
      reason: 'contains itself',
    },
    {
      name: 'persistent-id-20000-deep.pth',
      bytes: archive(
        pickle(op.proto, op.none, new Array(20_000).fill(op.tuple1[0]), op.persid, op.stop),
      ),
      reason: 'nested deeper than 200',
    },
    {
      name: 'build-over-2-40-leaf-dag.pth',
      bytes: archive(pickle(dag, op.none, op.build, op.stop)),
      reason: 'cannot apply state to',
    },
    {
      name: 'stride-0-views-12-gib.pth',
      bytes: torchArchive(pickle(views, op.stop), [['0', new Uint8Array(4)]]),
      reason: 'would take 13421772800 bytes once materialised',
    },
    {
      name: 'builtins-eval.pth',
      bytes: archive(
        pickle(op.proto, op.global('builtins', 'eval'), op.str('1'), op.tuple1, op.reduce, op.stop),
      ),
      reason: 'global builtins\\.eval, which is not allowed',
    },
    {
      name: 'posix-system.pth',
      bytes: archive(
        pickle(op.proto, op.global('posix', 'system'), op.str('id'), op.tuple1, op.reduce, op.stop),
      ),
      reason: 'global posix\\.system',
    },
    {
      name: 'newobj.pth',
      bytes: archive(
        pickle(op.proto, op.global('collections', 'OrderedDict'), op.emptyTuple, [0x81], op.stop),
      ),
      reason: 'opcode NEWOBJ is not allowed',
    },
    {
      name: 'view-past-storage.pth',
      bytes: sized(intTuple([5])),
      reason: 'reaches element 4 of a 4-element storage',
    },
    {
      name: 'negative-size.pth',
      bytes: sized(intTuple([-1])),
      reason: 'must be a tuple of non-negative integers',
    },
    { name: 'bad-crc.pth', bytes: badCrc, reason: 'CRC-32' },
    {
      name: 'deflated.pth',
      bytes: zipStored([['archive/data.pkl', seedPickle()]], 8),
      reason: 'deflate-compressed',
    },
    {
      name: 'no-data-pkl.pth',
      bytes: zipStored([['archive/version', enc.encode('3\n')]]),
      reason: 'no <prefix>/data\\.pkl',
    },
    {
      name: 'central-directory-past-end.pth',
      bytes: good.slice(0, good.length - 1),
      reason: 'end-of-central-directory|runs past',
    },
    { name: 'truncated.pth', bytes: good.slice(0, 100), reason: 'end-of-central-directory' },
    {
      name: 'not-a-checkpoint.pth',
      bytes: enc.encode('hello, world\n'),
      reason: 'neither a zip archive',
    },
    {
      name: 'legacy-storage-2-61-elements.pth',
      bytes: hugeNumel,
      reason: 'runs past the end of the file',
    },
    {
      name: 'legacy-truncated.pth',
      bytes: legacy.slice(0, legacy.length - 3),
      reason: 'runs past the end of the file',
    },
    {
      name: 'legacy-bare-pickle.pth',
      bytes: pickle(op.proto, op.emptyDict, op.stop),
      reason: 'a bare pickle, not a torch\\.save file',
    },
    {
      name: 'int64-past-int32.pth',
      bytes: torchArchive(
        pickle(
          op.proto,
          op.emptyDict,
          op.str('n'),
          rebuildTensor(storageId('0', 1, 'LongStorage'), 0, intTuple([1]), intTuple([1])),
          op.setitem,
          op.stop,
        ),
        [['0', i64([2n ** 40n])]],
      ),
      reason: 'int32',
    },
  ];
}

function hostileSafetensors(): HostileFile[] {
  const tensor = (dtype: string, shape: string, offsets: string) =>
    `"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}`;
  const file = (header: string, data = new Uint8Array(8)) => safetensorsBytes(header, data);
  return [
    {
      name: 'empty.safetensors',
      bytes: new Uint8Array(0),
      reason: 'too short for the 8-byte header length',
    },
    {
      name: 'header-length-2-63.safetensors',
      bytes: safetensorsBytes('{}', new Uint8Array(0), 2n ** 63n),
      reason: 'exceeds the 100000000-byte limit',
    },
    {
      name: 'header-not-json.safetensors',
      bytes: file('{"a": nope}'),
      reason: 'safetensors header',
    },
    { name: 'header-not-object.safetensors', bytes: file('[1, 2]'), reason: "starting with '\\{'" },
    {
      name: 'header-nested-10000-deep.safetensors',
      bytes: file(`{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`),
      reason: 'nesting deeper than 8',
    },
    {
      name: 'duplicate-key.safetensors',
      bytes: file(
        `{"a":{${tensor('F32', '[1]', '[0,4]')}},"a":{${tensor('F32', '[1]', '[4,8]')}}}`,
      ),
      reason: 'duplicate key "a"',
    },
    {
      name: 'dims-2-53-squared.safetensors',
      bytes: file(`{"a":{${tensor('F32', '[9007199254740991,9007199254740991]', '[0,8]')}}}`),
      reason: 'needs more bytes than that',
    },
    {
      name: 'overlapping-tensors.safetensors',
      bytes: file(
        `{"a":{${tensor('F32', '[2]', '[0,8]')}},"b":{${tensor('F32', '[1]', '[4,8]')}}}`,
      ),
      reason: 'overlaps',
    },
    {
      name: 'trailing-data.safetensors',
      bytes: file(`{"a":{${tensor('F32', '[1]', '[0,4]')}}}`),
      reason: 'belong to no tensor',
    },
    {
      name: 'offsets-past-end.safetensors',
      bytes: file(`{"a":{${tensor('F32', '[4]', '[0,16]')}}}`),
      reason: 'run past the data section',
    },
    {
      name: 'unknown-dtype.safetensors',
      bytes: file(`{"a":{${tensor('F128', '[1]', '[0,8]')}}}`),
      reason: 'unknown dtype "F128"',
    },
    {
      name: 'metadata-not-strings.safetensors',
      bytes: file(`{"__metadata__":{"k":1},"a":{${tensor('F32', '[2]', '[0,8]')}}}`),
      reason: 'maps strings to strings',
    },
    {
      name: 'header-not-utf8.safetensors',
      bytes: safetensorsBytes('{"\u00ff"}', new Uint8Array(0)).map((b, i) => (i === 10 ? 0xff : b)),
      reason: 'not valid UTF-8',
    },
    {
      name: 'int64-past-int32.safetensors',
      bytes: safetensorsBytes(`{"a":{${tensor('I64', '[1]', '[0,8]')}}}`, i64([2n ** 40n])),
      reason: 'int32',
    },
  ];
}

/** Crafted weight files each reader must refuse, with the reason it must give. */
export function hostileWeightFiles(): HostileFile[] {
  return [...hostileTorch(), ...hostileSafetensors()];
}

/**
 * Reads `input` as the weight file `fileName`; frees the tensors it made. decodeWeights
 * would turn a reader's untyped or multi-line error into a typed one-line one: such an
 * error is rethrown as the reader threw it, so the fuzz counts it against the reader.
 */
function readAs(fileName: string, format: WeightsFormat) {
  return (input: Uint8Array) => {
    let tensors: Record<string, tf.Tensor>;
    try {
      ({ tensors } = decodeWeights(input, fileName, { format }));
    } catch (error) {
      const cause = (error as Error).cause;
      if (cause !== undefined && (!(cause instanceof AtelierError) || cause.message.includes('\n')))
        throw cause;
      throw error;
    }
    tf.dispose(Object.values(tensors));
  };
}

/**
 * One fuzz target per parser: the unpickler (mutated data.pkl re-zipped with a valid
 * CRC, so mutations reach it), the zip reader (whole .pth), the legacy format, and
 * safetensors. Each reads through decodeWeights, so errors must name the file.
 */
export function weightFuzzTargets(): FuzzTarget[] {
  const pth = 'fuzz.pth';
  const hostile = hostileWeightFiles();
  const torchHostile = hostile.filter((f) => f.name.endsWith('.pth') && f.bytes.length < 4096);
  return [
    {
      name: 'pickle (data.pkl)',
      seeds: [seedPickle()],
      fileName: pth,
      wrap: (pkl) => torchArchive(pkl, SEED_STORAGES),
      run: readAs(pth, 'torch'),
    },
    {
      name: 'torch zip (.pth)',
      seeds: [seedTorchZip(), ...torchHostile.map((f) => f.bytes)],
      fileName: pth,
      run: readAs(pth, 'torch'),
    },
    {
      name: 'torch legacy (.pth)',
      seeds: [seedTorchLegacy()],
      fileName: pth,
      run: readAs(pth, 'torch'),
    },
    {
      name: 'safetensors',
      seeds: [
        seedSafetensors(),
        ...hostile
          .filter((f) => f.name.endsWith('.safetensors') && f.bytes.length < 4096)
          .map((f) => f.bytes),
      ],
      fileName: 'fuzz.safetensors',
      run: readAs('fuzz.safetensors', 'safetensors'),
    },
  ];
}
