import { readdirSync, readFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AtelierError, imageInfo } from '../src/index.js';
import {
  decodeRgbaWith,
  loadNodeDecoders,
  type NodeDecoders,
} from '../src/io/image-node-codecs.js';
import { crc32 } from '../src/io/image-png-chunks.js';
import {
  type FuzzReport,
  type FuzzTarget,
  fuzzInputs,
  isLongRun,
  runFuzz,
  writeFuzzResults,
} from '../src/testing/index.js';
import { pngChunks, pngFile } from './helpers/hostile-images.js';

// Seeded fuzzing of the Node image decoders, through the path decodeImage takes
// (imageInfo, then the PNG decoder or jpeg-js). `npm test` runs a few hundred inputs per
// target; the long run is
//   cd packages/core && ATELIER_FUZZ_INPUTS=100000 npx vitest run test/fuzz-images.test.ts
// which writes results/fuzz-images.{json,md}.

const images = new URL('./fixtures/images/', import.meta.url);
const variants = new URL('./fixtures/images/png-variants/', import.meta.url);
const read = (url: URL) => new Uint8Array(readFileSync(url));
const FILE = 'fuzzed.img';

let decoders: NodeDecoders;

/** Decodes as decodeImage does; errors get the file name in front, as readImage gives them. */
function decode(bytes: Uint8Array): void {
  try {
    decodeRgbaWith(decoders, bytes, imageInfo(bytes));
  } catch (error) {
    if (!(error instanceof AtelierError)) throw error;
    const Kind = error.constructor as new (m: string) => AtelierError;
    throw new Kind(`${FILE}: ${error.message}`);
  }
}

/** Sets every chunk's CRC right, so mutations reach past the CRC check. */
function fixCrcs(png: Uint8Array): Uint8Array {
  const out = png.slice();
  const view = new DataView(out.buffer);
  for (let at = 8; at + 12 <= out.length; ) {
    const length = view.getUint32(at);
    if (at + 12 + length > out.length) break;
    view.setUint32(at + 8 + length, crc32(out.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  return out;
}

/** An IHDR's 13 bytes followed by the inflated image data of a PNG. */
function headerAndRows(png: Uint8Array): Uint8Array {
  const chunks = pngChunks(png);
  const data = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  return new Uint8Array(Buffer.concat([chunks[0]!.data, inflateSync(data)]));
}

/** A full palette for the header's bit depth (at most 256 entries). */
function palette(depth: number) {
  const entries = 2 ** Math.min(8, Math.max(1, depth));
  return { type: 'PLTE', data: new Uint8Array(entries * 3).map((_, i) => (i * 37) & 0xff) };
}
const END = { type: 'IEND', data: new Uint8Array() };

/** A valid PNG around a mutated header and mutated rows: reaches filters, depths, palettes. */
function wrapRows(bytes: Uint8Array): Uint8Array {
  const head = new Uint8Array(13);
  head.set(bytes.subarray(0, 13));
  const plte = head[9] === 3 ? [palette(head[8]!)] : [];
  const idat = { type: 'IDAT', data: new Uint8Array(deflateSync(bytes.subarray(13))) };
  return pngFile([{ type: 'IHDR', data: head }, ...plte, idat, END]);
}

function targets(): FuzzTarget[] {
  const pngSeeds = readdirSync(variants)
    .filter((n) => n.endsWith('.png'))
    .map((n) => read(new URL(n, variants)));
  pngSeeds.push(read(new URL('chelsea-64-palette-trns.png', images)));
  const jpegSeeds = ['rocket-64.jpg', 'rocket-64-progressive.jpg', 'brick-48-grey.jpg'].map((n) =>
    read(new URL(n, images)),
  );
  return [
    { name: 'png', seeds: pngSeeds, fileName: FILE, run: decode },
    { name: 'png, CRCs fixed', seeds: pngSeeds, fileName: FILE, wrap: fixCrcs, run: decode },
    {
      name: 'png, header and rows',
      seeds: pngSeeds.map(headerAndRows),
      fileName: FILE,
      wrap: wrapRows,
      run: decode,
    },
    { name: 'jpeg', seeds: jpegSeeds, fileName: FILE, run: decode },
  ];
}

describe('fuzzing the image decoders', () => {
  beforeAll(async () => {
    decoders = await loadNodeDecoders();
  });

  const reports: FuzzReport[] = [];
  const inputs = fuzzInputs(600);

  it('the structure-aware wrappers make valid files from unmutated seeds', () => {
    const seed = read(new URL('type3-4bit-trns-11x7.png', variants));
    expect(() => decode(fixCrcs(seed))).not.toThrow();
    expect(() => decode(wrapRows(headerAndRows(seed)))).not.toThrow();
  });

  for (const [k, target] of targets().entries()) {
    it(`${target.name}: every input reads or fails with a typed one-line error naming the file`, () => {
      const report = runFuzz(target, { inputs, seed: 20 + k, maxMs: 2000 });
      reports.push(report);
      if (isLongRun()) console.log(JSON.stringify(report));
      expect(report.crashes).toEqual([]);
      expect(report.inputs).toBe(inputs);
      // The mutations reach the decoders: some inputs are refused, and some still read.
      expect(report.typed).toBeGreaterThan(inputs / 10);
      expect(report.accepted + report.typed).toBe(inputs);
    }, 600_000);
  }

  it.runIf(isLongRun())('writes the long run’s results', () => {
    writeFuzzResults(new URL('../results/', import.meta.url), 'fuzz-images', reports);
  });
});
