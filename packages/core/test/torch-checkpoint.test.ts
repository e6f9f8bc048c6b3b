import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  ArgumentError,
  FormatError,
  readSafetensors,
  readTorchCheckpoint,
  tf,
} from '../src/index.js';
import { ZipArchive } from '../src/io/zip.js';
import { describeBackends } from '../src/testing/index.js';
import { op, pickle, zipStored } from '../src/testing/torch-files.js';

const FIXTURES = new URL('./fixtures/torch/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

const enc = new TextEncoder();

/** {'w': _rebuild_tensor_v2(storage '0', offset, size, stride)} */
function tensorPickle(
  offset: number,
  size: number[],
  stride: number[],
  storageType = 'FloatStorage',
) {
  return pickle(
    op.proto,
    op.emptyDict,
    op.str('w'),
    op.global('torch._utils', '_rebuild_tensor_v2'),
    op.mark,
    [
      ...op.mark,
      ...op.str('storage'),
      ...op.global('torch', storageType),
      ...op.str('0'),
      ...op.str('cpu'),
      ...op.int(6),
      ...op.tuple,
    ],
    op.persid,
    op.int(offset),
    [...op.mark, ...size.flatMap(op.int), ...op.tuple],
    [...op.mark, ...stride.flatMap(op.int), ...op.tuple],
    op.newFalse,
    [...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce],
    op.tuple,
    op.reduce,
    op.setitem,
    op.stop,
  );
}

const storage6 = new Uint8Array(new Float32Array([10, 11, 12, 13, 14, 15]).buffer);
const archive = (pkl: Uint8Array, storage = storage6) =>
  zipStored([
    ['archive/data.pkl', pkl],
    ['archive/data/0', storage],
    ['archive/version', enc.encode('3\n')],
  ]);

function disposeAll(tensors: Record<string, tf.Tensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}

/** Reads a checkpoint and checks it against its expected.safetensors, exactly. */
async function expectMatches(name: string): Promise<string[]> {
  const before = tf.memory().numTensors;
  const got = readTorchCheckpoint(fixture(`${name}.pth`));
  const { tensors: want } = readSafetensors(fixture(`${name}.expected.safetensors`));
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [key, w] of Object.entries(want)) {
    const g = got[key]!;
    expect(g.dtype, key).toBe(w.dtype);
    expect(g.shape, key).toEqual(w.shape);
    expect(Array.from(await g.data()), key).toEqual(Array.from(await w.data()));
  }
  const keys = Object.keys(got);
  disposeAll(got);
  disposeAll(want);
  expect(tf.memory().numTensors).toBe(before);
  return keys;
}

function formatError(f: () => unknown): FormatError {
  try {
    const result = f();
    if (result && typeof result === 'object') disposeAll(result as Record<string, tf.Tensor>);
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('expected a FormatError, but the read succeeded');
}

describeBackends('readTorchCheckpoint', (backend) => {
  it('reads the state dict of a Sequential (conv, batch norm with int64 counter, linear)', async () => {
    const keys = await expectMatches('sequential');
    expect(keys).toContain('1.num_batches_tracked');
    expect(keys).toContain('4.weight');
  });

  it('reads views of one shared storage at their offsets', async () => {
    await expectMatches('shared');
  });

  it('materialises transposed, permuted and expanded (stride 0) tensors', async () => {
    await expectMatches('strided');
  });

  it('reads float16, bfloat16, float64 and the integer and bool dtypes (pickle protocol 4)', async () => {
    await expectMatches('dtypes');
  });

  it('flattens a nested checkpoint with dots and drops non-tensor leaves', async () => {
    const keys = await expectMatches('nested');
    expect(keys).toContain('state_dict.weight');
    expect(keys).toContain('optimizer.state.0.momentum_buffer');
    expect(keys).toContain('history.1');
    expect(keys.some((k) => k.startsWith('epoch') || k.startsWith('lr'))).toBe(false);
  });

  it('reads the legacy format (torch < 1.6): the same state dict as the zip file', async () => {
    await expectMatches('legacy');
  });

  it('reads the legacy format of torch < 0.4 (_rebuild_tensor, views at offsets)', async () => {
    const keys = await expectMatches('legacy-v1');
    expect(keys).toContain('in1.running_mean');
  });

  it('refuses truncated and inconsistent legacy files, saying why', () => {
    const good = fixture('legacy.pth');
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, good.length - 3), /runs past the end of the file/],
      [good.subarray(0, 200), /legacy|truncated|ended without STOP/],
      [pickle(op.proto, op.emptyDict, op.stop), /a bare pickle, not a torch.save file/],
    ];
    for (const [bytes, message] of cases) {
      expect(formatError(() => readTorchCheckpoint(bytes)).message).toMatch(message);
    }
  });

  it('refuses a pickle that calls os.system, naming the global, and runs nothing', () => {
    const before = tf.memory().numTensors;
    const e = formatError(() => readTorchCheckpoint(fixture('malicious.pth')));
    expect(e.message).toMatch(/global posix\.system, which is not allowed/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an int64 outside the int32 range', () => {
    const e = formatError(() => readTorchCheckpoint(fixture('int64-overflow.pth')));
    expect(e.message).toMatch(
      /tensor "big".*i64 value 1099511627776 at element 1 is outside the int32 range/,
    );
  });

  it('reads a hand-assembled strided view (a second writer of zip and pickle)', async () => {
    // Offset 1, size (2, 2), stride (1, 2) over [10..15]: [[11, 13], [12, 14]].
    const got = readTorchCheckpoint(archive(tensorPickle(1, [2, 2], [1, 2])));
    expect(got.w!.shape).toEqual([2, 2]);
    expect(Array.from(await got.w!.data())).toEqual([11, 13, 12, 14]);
    disposeAll(got);
  });

  if (backend === 'webgpu') return; // backend-independent, and SwiftShader is slow

  it('refuses every file of the corrupt corpus with a FormatError that says why', () => {
    const good = fixture('sequential.pth');
    const zip = new ZipArchive(good);
    const pkl = zip.read('sequential/data.pkl');
    const flipped = good.slice();
    const storageAt = zip.read('sequential/data/0').byteOffset - good.byteOffset;
    flipped[storageAt] = flipped[storageAt]! ^ 0xff;
    const cycle = pickle(op.proto, op.emptyList, op.put(0), op.get(0), op.append, op.stop);
    const dag: number[] = [...op.proto, ...op.emptyList, ...op.put(0), ...op.pop];
    for (let i = 1; i <= 40; i++)
      dag.push(...op.mark, ...op.get(i - 1), ...op.get(i - 1), ...op.list, ...op.put(i), ...op.pop);
    dag.push(...op.get(40), ...op.stop);
    const corpus: [string, Uint8Array, RegExp][] = [
      ['empty file', new Uint8Array(0), /neither a zip archive/],
      ['text file', enc.encode('hello'), /neither a zip archive/],
      [
        'bare pickle',
        pickle(op.proto, op.emptyDict, op.stop),
        /a bare pickle, not a torch.save file/,
      ],
      [
        'truncated zip',
        good.subarray(0, good.length - 30),
        /end-of-central-directory|truncated|past the end/,
      ],
      ['flipped storage byte', flipped, /fails its CRC-32 check/],
      ['deflated entry', zipStored([['archive/data.pkl', pkl]], 8), /deflate-compressed/],
      ['no data.pkl', zipStored([['archive/version', enc.encode('3')]]), /no <prefix>\/data.pkl/],
      [
        'two data.pkl',
        zipStored([
          ['a/data.pkl', pkl],
          ['b/data.pkl', pkl],
        ]),
        /several data.pkl/,
      ],
      [
        'big-endian',
        zipStored([
          ['a/data.pkl', pkl],
          ['a/byteorder', enc.encode('big')],
        ]),
        /only little-endian/,
      ],
      [
        'missing storage file',
        zipStored([['archive/data.pkl', tensorPickle(0, [2], [1])]]),
        /storage "0" has no file "archive\/data\/0"/,
      ],
      [
        'storage of a partial element',
        archive(tensorPickle(0, [1], [1]), new Uint8Array(6)),
        /not a whole number of FloatStorage/,
      ],
      [
        'view past its storage',
        archive(tensorPickle(1, [6], [1])),
        /reaches element 6 of a 6-element storage/,
      ],
      [
        'strided view past its storage',
        archive(tensorPickle(0, [2, 3], [3, 2])),
        /reaches element 7/,
      ],
      [
        'huge expanded view',
        archive(tensorPickle(0, [1 << 30], [0])),
        /1073741824 elements, more than/,
      ],
      [
        'builtins.eval',
        archive(pickle(op.proto, op.global('builtins', 'eval'), op.stop)),
        /global builtins\.eval, which is not allowed/,
      ],
      [
        '_load_from_bytes',
        archive(pickle(op.proto, op.global('torch.storage', '_load_from_bytes'), op.stop)),
        /torch\.storage\._load_from_bytes, which is not allowed/,
      ],
      [
        'TorchScript class',
        archive(pickle(op.proto, op.global('__torch__.Net', 'Net'), op.stop)),
        /TorchScript archive/,
      ],
      [
        'NEWOBJ',
        archive(
          pickle(op.proto, op.global('collections', 'OrderedDict'), op.emptyTuple, [0x81], op.stop),
        ),
        /opcode NEWOBJ is not allowed/,
      ],
      [
        'INST',
        archive(pickle(op.proto, op.mark, [0x69, ...enc.encode('os\nsystem\n')], op.stop)),
        /opcode INST is not allowed/,
      ],
      ['unknown opcode', archive(pickle(op.proto, [0xff])), /unknown opcode 0xff/],
      ['no STOP', archive(pickle(op.proto, op.emptyDict, op.str('epoch'))), /ended without STOP/],
      [
        'memo read before write',
        archive(pickle(op.proto, op.get(7), op.stop)),
        /memo entry 7 is read before it is written/,
      ],
      ['stack underflow', archive(pickle(op.proto, op.setitem, op.stop)), /stack underflow/],
      [
        'string past the end',
        archive(pickle(op.proto, [0x58, 0xff, 0xff, 0xff, 0x7f], op.stop)),
        /truncated/,
      ],
      [
        'storage called',
        archive(
          pickle(op.proto, op.global('torch', 'FloatStorage'), op.emptyTuple, op.reduce, op.stop),
        ),
        /cannot call torch\.FloatStorage/,
      ],
      [
        'unknown persistent id',
        archive(pickle(op.proto, op.str('x'), op.persid, op.stop)),
        /unknown persistent id/,
      ],
      ['a list that contains itself', archive(cycle), /a list or dict that contains itself/],
      ['2^40 paths through shared lists', archive(new Uint8Array(dag)), /more than 1000000 values/],
    ];
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    for (const [name, bytes, message] of corpus) {
      expect(formatError(() => readTorchCheckpoint(bytes)).message, name).toMatch(message);
    }
    expect(() => readTorchCheckpoint('x.pth' as never)).toThrow(ArgumentError);
  });

  it('never fails other than with FormatError on truncated or mutated archives and pickles', () => {
    const good = fixture('sequential.pth');
    const zip = new ZipArchive(good);
    const files: [string, Uint8Array][] = [...zip.entries.keys()].map((n) => [n, zip.read(n)]);
    const pkl = zip.read('sequential/data.pkl');
    const before = tf.memory().numTensors;
    const outcomes = { ok: 0, format: 0 };
    const attempt = (bytes: Uint8Array) => {
      try {
        disposeAll(readTorchCheckpoint(bytes));
        outcomes.ok++;
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        outcomes.format++;
      }
    };
    for (let n = 0; n < good.length; n += 7) attempt(good.subarray(0, n));
    let seed = 99;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let k = 0; k < 400; k++) {
      // Mutate the pickle and re-zip it with a valid CRC, so the unpickler sees it.
      const mutated = pkl.slice();
      mutated[next() % mutated.length] = next() % 256;
      attempt(zipStored(files.map(([n, b]) => [n, n.endsWith('data.pkl') ? mutated : b])));
    }
    // The legacy format: every prefix, and single-byte mutations anywhere in the file.
    const legacy = fixture('legacy-v1.pth');
    for (let n = 0; n < legacy.length; n += 3) attempt(legacy.subarray(0, n));
    for (let k = 0; k < 400; k++) {
      const mutated = legacy.slice();
      mutated[next() % mutated.length] = next() % 256;
      attempt(mutated);
    }
    expect(outcomes.format).toBeGreaterThan(Math.floor(good.length / 7 + legacy.length / 3));
    expect(tf.memory().numTensors).toBe(before);
  });
});
