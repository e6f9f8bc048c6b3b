import * as zlib from 'node:zlib';
import {
  type FuzzReport,
  type FuzzTarget,
  fuzzInputs,
  isLongRun,
  runFuzz,
  writeFuzzResults,
} from '@atelier/core/testing';
import { describe, expect, it } from 'vitest';
import { gunzipBounded } from '../src/formats/gzip.js';
import {
  decodeCifar10,
  decodeFlo,
  decodeIdx,
  encodeCifar10,
  encodeFlo,
  idxByteLength,
} from '../src/index.js';
import { idxBytes } from './helpers/hostile-data.js';

// Seeded fuzzing of the data-file parsers, as the sources call them (the file name in
// every error). `npm test` runs a few hundred inputs per target; the long run is
//   cd packages/datasets && ATELIER_FUZZ_INPUTS=100000 npx vitest run test/fuzz-data.test.ts
// which writes results/fuzz-data.{json,md}.

const FILE = 'fuzzed.data';
/** The inflate limit of the gzip targets: 16 MiB (the sources' default is 1 GiB). */
const MAX_BYTES = 2 ** 24;

function pattern(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17) & 0xff);
}

const idxSeeds = [
  idxBytes([3, 5, 4], 60, 8, 7),
  idxBytes([6], 6, 9, 200),
  idxBytes([2, 3], 12, 11, 1),
  idxBytes([4], 16, 12, 2),
  idxBytes([2, 2], 16, 13, 3),
  idxBytes([3], 24, 14, 4),
].map((b, k) => {
  b.set(pattern(b.length - 4 - 4 * b[3]!, k), 4 + 4 * b[3]!);
  return b;
});

function gunzipIdx(bytes: Uint8Array): void {
  const options = { maxBytes: MAX_BYTES, declaredSize: idxByteLength };
  decodeIdx(gunzipBounded(zlib, bytes, FILE, options), FILE);
}

function targets(): FuzzTarget[] {
  const cifar = encodeCifar10({
    count: 2,
    images: pattern(2 * 3072, 1),
    labels: new Uint8Array([3, 9]),
  });
  const flows = [
    encodeFlo({ width: 3, height: 2, data: Float32Array.from(pattern(12, 2)) }),
    encodeFlo({ width: 1, height: 1, data: new Float32Array([0.5, -2]) }),
  ];
  return [
    { name: 'idx', seeds: idxSeeds, fileName: FILE, run: (b) => decodeIdx(b, FILE) },
    {
      name: 'idx.gz',
      seeds: idxSeeds.map((b) => new Uint8Array(zlib.gzipSync(b))),
      fileName: FILE,
      run: gunzipIdx,
    },
    {
      name: 'idx, then gzipped',
      seeds: idxSeeds,
      fileName: FILE,
      wrap: (b) => new Uint8Array(zlib.gzipSync(b)),
      run: gunzipIdx,
    },
    { name: 'cifar-10', seeds: [cifar], fileName: FILE, run: (b) => decodeCifar10(b, FILE) },
    { name: '.flo', seeds: flows, fileName: FILE, run: (b) => decodeFlo(b, FILE) },
  ];
}

describe('fuzzing the data-file parsers', () => {
  const reports: FuzzReport[] = [];
  const inputs = fuzzInputs(600);

  it('starts from seeds that parse', () => {
    for (const seed of idxSeeds) expect(() => gunzipIdx(zlib.gzipSync(seed))).not.toThrow();
  });

  for (const [k, target] of targets().entries()) {
    it(`${target.name}: every input reads or fails with a typed one-line error naming the file`, () => {
      const report = runFuzz(target, { inputs, seed: 40 + k, maxMs: 2000 });
      reports.push(report);
      if (isLongRun()) console.log(JSON.stringify(report));
      expect(report.crashes).toEqual([]);
      expect(report.inputs).toBe(inputs);
      expect(report.typed).toBeGreaterThan(inputs / 10);
      expect(report.accepted + report.typed).toBe(inputs);
    }, 600_000);
  }

  it.runIf(isLongRun())('writes the long run’s results', () => {
    writeFuzzResults(new URL('../results/', import.meta.url), 'fuzz-data', reports);
  });
});
