import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  ArgumentError,
  checkFiniteWeights,
  decodeWeights,
  FormatError,
  maxWeightBytes,
  readWeightsFile,
  tf,
  writeSafetensors,
} from '../src/index.js';
import {
  describeBackends,
  intTuple,
  pickleOps,
  rebuildTensor,
  safetensorsBytes,
  storageId,
  torchArchive,
} from '../src/testing/index.js';

const dir = mkdtempSync(join(tmpdir(), 'atelier-weights-file-'));
const sequential = new URL('./fixtures/torch/sequential.pth', import.meta.url);

afterEach(() => {
  delete process.env.ATELIER_MAX_WEIGHT_BYTES;
});

describeBackends('weight files', () => {
  it('reads safetensors and .pth, by extension or by their bytes', async () => {
    const st = join(dir, 'w.safetensors');
    writeFileSync(st, await writeSafetensors({ a: tf.ones([2]) }, { k: 'v' }));
    const a = await readWeightsFile(st);
    expect(a.format).toBe('safetensors');
    expect(a.metadata).toEqual({ k: 'v' });
    tf.dispose(Object.values(a.tensors));
    const noExtension = join(dir, 'checkpoint');
    writeFileSync(noExtension, readFileSync(sequential));
    const b = await readWeightsFile(noExtension);
    expect(b.format).toBe('torch');
    expect(Object.keys(b.tensors)).toContain('0.weight');
    tf.dispose(Object.values(b.tensors));
  });

  it('puts the name in front of every reader error, keeping its type', () => {
    const e = (() => {
      try {
        decodeWeights(new Uint8Array(4), 'x/y.safetensors');
      } catch (error) {
        return error as Error;
      }
    })();
    expect(e).toBeInstanceOf(FormatError);
    expect(e?.message).toMatch(/^x\/y\.safetensors: safetensors: the file is 4 bytes/);
    expect(() => decodeWeights(new Uint8Array(10), 'm.pth')).toThrow(/^m\.pth: torch checkpoint:/);
  });

  it('refuses what is not a regular file, a missing file and a file over the limit', async () => {
    await expect(readWeightsFile(dir)).rejects.toThrow(`${dir}: not a regular file`);
    const fifo = join(mkdtempSync(join(dir, 'fifo-')), 'fifo.pth');
    execFileSync('mkfifo', [fifo]);
    await expect(readWeightsFile(fifo)).rejects.toThrow(ArgumentError); // and does not hang
    const missing = readWeightsFile(join(dir, 'none.pth'));
    await expect(missing).rejects.toThrow(ArgumentError);
    await expect(missing).rejects.toThrow(/none\.pth: cannot read: ENOENT/);
    const path = join(dir, 's.pth');
    writeFileSync(path, readFileSync(sequential));
    await expect(readWeightsFile(path, { maxBytes: 100 })).rejects.toThrow(
      /s\.pth: the file is \d+ bytes, more than the limit of 100/,
    );
    process.env.ATELIER_MAX_WEIGHT_BYTES = '100';
    expect(maxWeightBytes()).toBe(100);
    await expect(readWeightsFile(path)).rejects.toThrow(FormatError);
    process.env.ATELIER_MAX_WEIGHT_BYTES = 'lots';
    expect(() => maxWeightBytes()).toThrow(/ATELIER_MAX_WEIGHT_BYTES must be a whole number/);
  });

  it('limits the bytes the tensors of a safetensors file take once read (float16 doubles)', () => {
    const header = '{"h":{"dtype":"F16","shape":[1000],"data_offsets":[0,2000]}}';
    const bytes = safetensorsBytes(header, new Uint8Array(2000));
    expect(() => decodeWeights(bytes, 'h.safetensors', { maxBytes: 3000 })).toThrow(
      /^h\.safetensors: safetensors: its 1 tensors would take 4000 bytes once read, more than the limit of 3000/,
    );
    const { tensors } = decodeWeights(bytes, 'h.safetensors', { maxBytes: 4000 });
    expect(tensors.h!.shape).toEqual([1000]);
    tf.dispose(Object.values(tensors));
  });

  it('names the tensors holding NaN or infinities', () => {
    const ok = { a: tf.ones([3]), n: tf.scalar(3, 'int32') };
    checkFiniteWeights(ok, 'w');
    const bad = { a: tf.tensor([1, Number.NaN, Number.POSITIVE_INFINITY]), b: tf.ones([2]) };
    expect(() => checkFiniteWeights(bad, 'w.safetensors')).toThrow(
      'w.safetensors: weights hold NaN or infinite values: "a" (2 of 3)',
    );
    tf.dispose([...Object.values(ok), ...Object.values(bad)]);
  });
});

describeBackends('weight files: tensor count', () => {
  it('refuses more tensors than a file may hold, quickly, in both formats', () => {
    const n = 100_002;
    const parts: string[] = [];
    for (let i = 0; i < n; i++)
      parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    const st = safetensorsBytes(`{${parts.join(',')}}`, new Uint8Array(0));
    let start = performance.now();
    expect(() => decodeWeights(st, 'many.safetensors')).toThrow(
      /^many\.safetensors: safetensors: the header lists 100002 entries, more than the 100000 tensors/,
    );
    expect(performance.now() - start).toBeLessThan(5000);
    // {'t0': w, 't1': w, ...} with one shared zero-size view, memoized.
    const pkl: number[] = [...pickleOps.proto, ...pickleOps.emptyDict];
    pkl.push(...pickleOps.str('t0'));
    pkl.push(...rebuildTensor(storageId('0', 0), 0, intTuple([0]), intTuple([1])));
    pkl.push(...pickleOps.put(0), ...pickleOps.setitem);
    for (let i = 1; i < n; i++)
      pkl.push(...pickleOps.str(`t${i}`), ...pickleOps.get(0), ...pickleOps.setitem);
    pkl.push(...pickleOps.stop);
    const pth = torchArchive(new Uint8Array(pkl), [['0', new Uint8Array(0)]]);
    start = performance.now();
    expect(() => decodeWeights(pth, 'many.pth')).toThrow(
      /^many\.pth: torch checkpoint: 100002 tensors, more than the 100000 a file may hold/,
    );
    expect(performance.now() - start).toBeLessThan(5000);
  });
});
