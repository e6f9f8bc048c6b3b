import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  ArgumentError,
  FormatError,
  parseSafetensorsHeader,
  readSafetensors,
  tf,
  writeSafetensors,
} from '../src/index.js';
import { describeBackends } from '../src/testing/index.js';

const FIXTURES = new URL('./fixtures/safetensors/', import.meta.url);

/** A safetensors file from raw header text and data, with an optional false length. */
function rawFile(
  header: string,
  data: Uint8Array = new Uint8Array(0),
  declared?: bigint,
): Uint8Array {
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

/** A valid file built by hand from the spec: entries laid out in the order given. */
function handBuilt(entries: { name: string; dtype: string; shape: number[]; bytes: Uint8Array }[]) {
  let offset = 0;
  const header: Record<string, unknown> = {};
  for (const e of entries) {
    header[e.name] = {
      dtype: e.dtype,
      shape: e.shape,
      data_offsets: [offset, offset + e.bytes.length],
    };
    offset += e.bytes.length;
  }
  const data = new Uint8Array(offset);
  offset = 0;
  for (const e of entries) {
    data.set(e.bytes, offset);
    offset += e.bytes.length;
  }
  return rawFile(JSON.stringify(header), data);
}

function leBytes(kind: 'u16' | 'i64', values: (number | bigint)[]): Uint8Array {
  const size = kind === 'u16' ? 2 : 8;
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (kind === 'u16') view.setUint16(i * size, Number(v), true);
    else view.setBigInt64(i * size, BigInt(v), true);
  });
  return out;
}

/** The header's JSON text of a file. */
function headerText(bytes: Uint8Array): string {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return new TextDecoder().decode(bytes.subarray(8, 8 + length));
}

function disposeAll(tensors: Record<string, tf.Tensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}

/** The corrupt corpus: each file and what its FormatError must say. */
function corruptCorpus(): [string, Uint8Array, RegExp][] {
  const ok = '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}';
  const eight = new Uint8Array(8);
  const entry = (fields: string) => rawFile(`{"a":{${fields}}}`, eight);
  const validFile = rawFile(`{${ok}}`, eight);
  let deep = '';
  for (let i = 0; i < 10_000; i++) deep += '[';
  return [
    ['empty file', new Uint8Array(0), /too short/],
    ['7 bytes', new Uint8Array(7), /too short/],
    [
      'header length 2^63',
      rawFile(`{${ok}}`, eight, 2n ** 63n),
      /exceeds the 100000000-byte limit/,
    ],
    ['header length over the limit', rawFile(`{${ok}}`, eight, 100_000_001n), /limit/],
    [
      'header length past the end',
      rawFile(`{${ok}}`, eight, 200n),
      /runs past the end of the file/,
    ],
    ['truncated in the header', validFile.subarray(0, 20), /runs past the end of the file/],
    [
      'truncated in the data',
      validFile.subarray(0, validFile.length - 1),
      /run past the data section/,
    ],
    ['header not JSON', rawFile('{"a": {"dtype": ', eight), /safetensors header: unexpected end/],
    ['header not an object', rawFile('[1, 2]', eight), /starting with '\{'/],
    ['trailing garbage after the JSON', rawFile(`{${ok}} x`, eight), /after the value/],
    [
      'header not UTF-8',
      (() => {
        const f = rawFile('{"a\u00ff":1}');
        f.set([0xff], 11);
        return f;
      })(),
      /not valid UTF-8/,
    ],
    ['control character in a key', rawFile('{"a\u0001":1}'), /control character/],
    ['nesting 10000 deep', rawFile(`{"a":${deep}`), /nesting deeper than 8/],
    ['entry not an object', rawFile('{"a":3}'), /tensor "a": expected an object, got the number 3/],
    [
      'unknown dtype',
      entry('"dtype":"F128","shape":[2],"data_offsets":[0,8]'),
      /unknown dtype "F128"/,
    ],
    [
      'dtype not a string',
      entry('"dtype":4,"shape":[2],"data_offsets":[0,8]'),
      /"dtype" must be a string/,
    ],
    [
      'shape missing',
      entry('"dtype":"F32","data_offsets":[0,8]'),
      /"shape" must be an array, got nothing/,
    ],
    [
      'negative dim',
      entry('"dtype":"F32","shape":[-2],"data_offsets":[0,8]'),
      /dim 0 .* non-negative integer, got the number -2/,
    ],
    [
      'fractional dim',
      entry('"dtype":"F32","shape":[1.5],"data_offsets":[0,8]'),
      /dim 0 .* got the number 1.5/,
    ],
    [
      'dim written as 2.0',
      entry('"dtype":"F32","shape":[2.0],"data_offsets":[0,8]'),
      /got the number 2.0/,
    ],
    [
      'dim as a string',
      entry('"dtype":"F32","shape":["2"],"data_offsets":[0,8]'),
      /got the string "2"/,
    ],
    [
      'dim past 2^53',
      entry('"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,8]'),
      /non-negative integer/,
    ],
    [
      'offsets of one number',
      entry('"dtype":"F32","shape":[2],"data_offsets":[0]'),
      /must be \[begin, end\]/,
    ],
    [
      'offsets not integers',
      entry('"dtype":"F32","shape":[2],"data_offsets":[0,8.5]'),
      /non-negative integers/,
    ],
    [
      'negative offset',
      entry('"dtype":"F32","shape":[2],"data_offsets":[-8,0]'),
      /non-negative integers/,
    ],
    [
      'end before begin',
      entry('"dtype":"F32","shape":[0],"data_offsets":[8,0]'),
      /end before they begin/,
    ],
    [
      'offsets out of range',
      entry('"dtype":"F32","shape":[4],"data_offsets":[0,16]'),
      /run past the data section \(8 bytes\)/,
    ],
    [
      'wrong byte count',
      entry('"dtype":"F32","shape":[3],"data_offsets":[0,8]'),
      /needs 12 bytes, but data_offsets \[0, 8\] span 8/,
    ],
    [
      'huge shape product',
      entry(
        '"dtype":"F32","shape":[4503599627370496,4503599627370496,4503599627370496],"data_offsets":[0,8]',
      ),
      /needs more bytes than that/,
    ],
    [
      'overlapping offsets',
      rawFile(`{${ok},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight),
      /overlaps tensor "a"/,
    ],
    [
      'gap between tensors',
      rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', eight),
      /bytes \[0, 4\) .* no gaps/,
    ],
    ['trailing data', rawFile(`{${ok}}`, new Uint8Array(12)), /last 4 bytes .* no trailing data/],
    ['duplicate key', rawFile(`{${ok},${ok}}`, eight), /duplicate key "a"/],
    [
      'metadata with a number',
      rawFile(`{"__metadata__":{"epoch":3},${ok}}`, eight),
      /"epoch" holds the number 3/,
    ],
    [
      'metadata not an object',
      rawFile(`{"__metadata__":"x",${ok}}`, eight),
      /"__metadata__" must be an object/,
    ],
    [
      'int64 outside int32',
      handBuilt([{ name: 'big', dtype: 'I64', shape: [2], bytes: leBytes('i64', [1, 2n ** 31n]) }]),
      /i64 value 2147483648 at element 1 is outside the int32 range/,
    ],
    [
      'F8 dtype',
      entry('"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]'),
      /dtype F8_E4M3, which cannot be read/,
    ],
  ];
}

describeBackends('safetensors', (backend) => {
  it('round-trips float32, int32 and bool, scalars and empty tensors, with metadata', async () => {
    const before = tf.memory().numTensors;
    const input: Record<string, tf.Tensor> = {
      'conv.weight': tf.tensor4d([1.5, -2, 3.25, 1e-20, -0, 7, 8, 9], [2, 1, 2, 2]),
      steps: tf.tensor1d([-2147483648, 2147483647, 0], 'int32'),
      mask: tf.tensor2d([true, false, true, true, false, false], [2, 3], 'bool'),
      scale: tf.scalar(0.5),
      none: tf.zeros([0, 4]),
    };
    const bytes = await writeSafetensors(input, { format: 'pt', note: 'ünïcode ✓' });
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcode ✓' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(input).sort());
    for (const [name, t] of Object.entries(input)) {
      const got = tensors[name]!;
      expect(got.dtype, name).toBe(t.dtype);
      expect(got.shape, name).toEqual(t.shape);
      expect(Array.from(await got.data()), name).toEqual(Array.from(await t.data()));
    }
    disposeAll(tensors);
    disposeAll(input);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('writes sorted keys, a space-padded header and aligned data, as the reference writer', async () => {
    const input = {
      b: tf.tensor1d([true, false], 'bool'),
      '10': tf.tensor1d([1, 2, 3]),
      '2': tf.tensor1d([4], 'int32'),
      __proto__x: tf.scalar(1),
      a: tf.tensor1d([5, 6]),
    };
    const bytes = await writeSafetensors(input, { z: '1', a: '2' });
    const text = headerText(bytes);
    // JavaScript would enumerate '2' before '10'; the header is in byte order.
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"a":"2","z":"1"},' +
        '"10":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},' +
        '"2":{"dtype":"I32","shape":[1],"data_offsets":[12,16]},' +
        '"__proto__x":{"dtype":"F32","shape":[],"data_offsets":[16,20]},' +
        '"a":{"dtype":"F32","shape":[2],"data_offsets":[20,28]},' +
        '"b":{"dtype":"BOOL","shape":[2],"data_offsets":[28,30]}}',
    );
    expect((8 + text.length) % 8).toBe(0);
    expect(text.length - text.trimEnd().length).toBeLessThan(8);
    // Four-byte tensors first, so each starts at a multiple of its element size.
    const header = parseSafetensorsHeader(bytes);
    expect(header.dataStart % 8).toBe(0);
    expect(Array.from(bytes.subarray(header.dataStart + 28))).toEqual([1, 0]);
    disposeAll(input);
  });

  it('keeps a tensor named __proto__ as a plain key', async () => {
    const input: Record<string, tf.Tensor> = {};
    Object.defineProperty(input, '__proto__', { value: tf.scalar(2), enumerable: true });
    const { tensors } = readSafetensors(await writeSafetensors(input));
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    const key = '__proto__';
    expect(await tensors[key]!.data()).toEqual(new Float32Array([2]));
    disposeAll(tensors);
    disposeAll(input);
  });

  it('reads hand-built F16, BF16, I64 and U8 buffers', async () => {
    // Half bit patterns: 1, -2, 65504, 2^-24 (subnormal), -0, +inf, NaN.
    const half = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x7e00];
    // bfloat16 is the top half of a float32: 1, -3.140625, 2^-133 (subnormal), -inf.
    const bf16 = [0x3f80, 0xc049, 0x0001, 0xff80];
    const bytes = handBuilt([
      { name: 'h', dtype: 'F16', shape: [7], bytes: leBytes('u16', half) },
      { name: 'b', dtype: 'BF16', shape: [2, 2], bytes: leBytes('u16', bf16) },
      {
        name: 'l',
        dtype: 'I64',
        shape: [2, 2],
        bytes: leBytes('i64', [-(2 ** 31), 2 ** 31 - 1, -1, 0]),
      },
      { name: 'u', dtype: 'U8', shape: [3], bytes: new Uint8Array([0, 128, 255]) },
    ]);
    const { tensors } = readSafetensors(bytes);
    expect(tensors.h!.dtype).toBe('float32');
    expect(Array.from(await tensors.h!.data())).toEqual([
      1,
      -2,
      65504,
      2 ** -24,
      -0,
      Number.POSITIVE_INFINITY,
      Number.NaN,
    ]);
    expect(tensors.b!.shape).toEqual([2, 2]);
    expect(Array.from(await tensors.b!.data())).toEqual([
      1,
      -3.140625,
      2 ** -133,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(tensors.l!.dtype).toBe('int32');
    expect(Array.from(await tensors.l!.data())).toEqual([-(2 ** 31), 2 ** 31 - 1, -1, 0]);
    expect(tensors.u!.dtype).toBe('int32');
    expect(Array.from(await tensors.u!.data())).toEqual([0, 128, 255]);
    disposeAll(tensors);
  });

  it('reads the file written by the independent Python writer', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('python-writer.safetensors', FIXTURES)));
    const expected = JSON.parse(readFileSync(new URL('python-writer.json', FIXTURES), 'utf8')) as {
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
    };
    const before = tf.memory().numTensors;
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual(expected.metadata);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
    const special: Record<string, number> = {
      inf: Number.POSITIVE_INFINITY,
      '-inf': Number.NEGATIVE_INFINITY,
      nan: Number.NaN,
    };
    for (const [name, want] of Object.entries(expected.tensors)) {
      const got = tensors[name]!;
      expect(got.dtype, name).toBe(want.dtype);
      expect(got.shape, name).toEqual(want.shape);
      const values = want.values.map((v) => (typeof v === 'string' ? special[v]! : v));
      // Compared as float32 bit patterns: exact, -0 and subnormals included.
      const gotValues = Array.from(await got.data());
      if (want.dtype === 'float32') {
        expect(new Float32Array(gotValues), name).toEqual(new Float32Array(values));
        expect(
          gotValues.map((v) => Object.is(v, -0)),
          name,
        ).toEqual(values.map((v) => Object.is(v, -0)));
      } else {
        expect(gotValues, name).toEqual(values);
      }
    }
    disposeAll(tensors);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('parses a header without materialising tensors', () => {
    const bytes = new Uint8Array(readFileSync(new URL('python-writer.safetensors', FIXTURES)));
    const before = tf.memory().numTensors;
    const header = parseSafetensorsHeader(bytes);
    expect(tf.memory().numTensors).toBe(before);
    expect(header.tensors.bf16).toEqual({
      dtype: 'BF16',
      shape: [2, 2],
      dataOffsets: expect.any(Array),
    });
    expect(header.tensors.empty!.shape).toEqual([0, 3]);
    expect(header.tensors.scalar!.shape).toEqual([]);
    expect(header.metadata.format).toBe('pt');
    // Reads the spec's header-length prefix from a view with a non-zero byteOffset too.
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(parseSafetensorsHeader(padded.subarray(3)).tensors.f32!.dataOffsets).toEqual(
      header.tensors.f32!.dataOffsets,
    );
  });

  it('refuses every file of the corrupt corpus with a FormatError that says why', () => {
    const corpus = corruptCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    const before = tf.memory().numTensors;
    for (const [name, bytes, message] of corpus) {
      let error: unknown;
      try {
        disposeAll(readSafetensors(bytes).tensors);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(FormatError);
      expect((error as Error).message, name).toMatch(message);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad writer arguments with ArgumentError', async () => {
    const x = tf.tensor1d([1, 2]);
    const c = tf.tensor1d(['text'], 'string');
    await expect(writeSafetensors(x as never)).rejects.toThrow(ArgumentError);
    await expect(writeSafetensors({ a: [1, 2] as never })).rejects.toThrow(/not a tensor/);
    await expect(writeSafetensors({ c })).rejects.toThrow(/dtype string/);
    await expect(writeSafetensors({ __metadata__: x })).rejects.toThrow(/reserved/);
    await expect(writeSafetensors({ x }, { epoch: 3 as never })).rejects.toThrow(/"epoch" holds 3/);
    await expect(writeSafetensors({ '\ud800': x })).rejects.toThrow(/not valid Unicode/);
    const gone = tf.scalar(1);
    gone.dispose();
    await expect(writeSafetensors({ gone })).rejects.toThrow(/disposed/);
    expect(() => readSafetensors([1, 2] as never)).toThrow(ArgumentError);
    x.dispose();
    c.dispose();
  });

  if (backend !== 'webgpu') {
    it('never fails other than with FormatError on truncated or mutated files', async () => {
      const input = {
        w: tf.tensor2d([1, 2, 3, 4], [2, 2]),
        i: tf.tensor1d([5, 6], 'int32'),
        m: tf.tensor1d([true], 'bool'),
      };
      const valid = await writeSafetensors(input, { k: 'v' });
      disposeAll(input);
      const before = tf.memory().numTensors;
      const attempt = (bytes: Uint8Array) => {
        try {
          disposeAll(readSafetensors(bytes).tensors);
          return 'ok';
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
          return 'format';
        }
      };
      const outcomes = { ok: 0, format: 0 };
      for (let n = 0; n < valid.length; n++) outcomes[attempt(valid.subarray(0, n))]++;
      expect(outcomes.ok).toBe(0);
      // Seeded single-byte mutations.
      let seed = 12345;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
      for (let k = 0; k < 600; k++) {
        const mutated = valid.slice();
        mutated[next() % mutated.length] = next() % 256;
        outcomes[attempt(mutated)]++;
      }
      expect(outcomes.format).toBeGreaterThan(valid.length);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
