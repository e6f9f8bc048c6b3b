import { readdirSync, readFileSync } from 'node:fs';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, FormatError, init, tf } from '../src/index.js';

// Written by tools/parity/png_variants.py: every colour type, bit depth, filter and
// interlace method, with the RGBA bytes the PNG specification gives (checked there
// against Pillow for depths up to 8).
const variants = new URL('./fixtures/images/png-variants/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', variants), 'utf8')) as Record<
  string,
  { width: number; height: number; rgba: string }
>;
const chelsea = new Uint8Array(
  readFileSync(new URL('./fixtures/images/chelsea-64.png', import.meta.url)),
);

interface Chunk {
  type: string;
  data: Uint8Array;
}

/** The chunks of a PNG file (a test-side reader; no checks). */
function chunksOf(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    out.push({
      type: String.fromCharCode(...png.subarray(at + 4, at + 8)),
      data: png.slice(at + 8, at + 8 + length),
    });
    at += 12 + length;
  }
  return out;
}

/** A PNG file from chunks, each with its correct CRC (zlib's crc32, independent of ours). */
function pngOf(chunks: Chunk[]): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const { type, data } of chunks) {
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, data.length);
    head.set(new TextEncoder().encode(type), 4);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32(Buffer.concat([head.subarray(4), data])));
    parts.push(head, data, crc);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** chelsea-64.png with its image data replaced by `idat` (a single IDAT chunk). */
function withImageData(idat: Uint8Array, png = chelsea): Uint8Array {
  const chunks = chunksOf(png);
  const head = chunks.filter((c) => c.type !== 'IDAT' && c.type !== 'IEND');
  return pngOf([...head, { type: 'IDAT', data: idat }, { type: 'IEND', data: new Uint8Array() }]);
}

/** chelsea-64.png's inflated image data: 43 rows of 1 filter byte + 64 * 3 bytes. */
function rawRows(): Uint8Array {
  const idat = chunksOf(chelsea).filter((c) => c.type === 'IDAT');
  return new Uint8Array(inflateSync(Buffer.concat(idat.map((c) => c.data))));
}

async function decodeFails(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const before = tf.memory().numTensors;
  const error = await decodeImage(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FormatError);
  expect((error as Error).message).toMatch(pattern);
  expect((error as Error).message).not.toContain('\n');
  expect(tf.memory().numTensors).toBe(before);
}

describe('PNG decoding', () => {
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  const names = readdirSync(variants).filter((n) => n.endsWith('.png'));

  it('has every variant the fixture script writes', () => {
    expect(names.sort()).toEqual(Object.keys(expected).sort());
    expect(names.length).toBe(41);
  });

  for (const name of names) {
    it(`decodes ${name} to exactly the expected RGBA bytes`, async () => {
      const { width, height, rgba } = expected[name]!;
      const bytes = new Uint8Array(readFileSync(new URL(name, variants)));
      const image = await decodeImage(bytes, { channels: 4 });
      expect(image.shape).toEqual([height, width, 4]);
      const got = Buffer.from(Uint8Array.from(await image.data())).toString('hex');
      image.dispose();
      expect(got).toBe(rgba);
    });
  }

  it('refuses image data shorter than the header declares', async () => {
    const rows = rawRows();
    const half = deflateSync(rows.subarray(0, 20 * (1 + 64 * 3)));
    await decodeFails(
      withImageData(half),
      /truncated PNG: .*inflates to 3860 bytes.*declares 8299/,
    );
    // One byte short, and an empty zlib stream.
    await decodeFails(withImageData(deflateSync(rows.subarray(0, -1))), /truncated PNG/);
    await decodeFails(withImageData(deflateSync(new Uint8Array())), /inflates to 0 bytes/);
  });

  it('refuses image data that is not a zlib stream', async () => {
    const noise = new Uint8Array(2000).map((_, i) => (i * 151 + 7) & 0xff);
    await decodeFails(withImageData(noise), /not a valid zlib stream/);
    // Raw deflate without the zlib header, and a gzip member: neither is zlib.
    const raw = rawRows();
    const { deflateRawSync, gzipSync } = await import('node:zlib');
    await decodeFails(withImageData(deflateRawSync(raw)), /not a valid zlib stream/);
    await decodeFails(withImageData(gzipSync(raw)), /not a valid zlib stream/);
  });

  it('refuses a flipped bit whose chunk CRC was fixed (the Adler-32 check fails)', async () => {
    const stream = new Uint8Array(deflateSync(rawRows(), { level: 0 }));
    // Stored blocks: byte 1000 is a literal sample, so only the Adler-32 can notice.
    stream[1000]! ^= 0x10;
    await decodeFails(withImageData(stream), /not a valid zlib stream \(incorrect data check\)/);
    // Byte 1000 of the stream is byte 993 of the data (2 bytes of zlib header, 5 of the
    // stored block's): the same flip with a correct Adler-32 decodes.
    const flipped = rawRows();
    flipped[993]! ^= 0x10;
    const image = await decodeImage(withImageData(deflateSync(flipped)));
    image.dispose();
  });

  it('refuses a truncated zlib stream and more data than declared', async () => {
    const stream = deflateSync(rawRows());
    await decodeFails(withImageData(stream.subarray(0, stream.length - 9)), /truncated PNG/);
    const extra = deflateSync(Buffer.concat([rawRows(), new Uint8Array(193)]));
    await decodeFails(withImageData(extra), /more than the 8299 bytes/);
  });

  it('refuses bad filters, palette indices and chunk order', async () => {
    const rows = rawRows();
    rows[5 * 193] = 7;
    await decodeFails(withImageData(deflateSync(rows)), /row filter type 7 .* row 5/);
    const chunks = chunksOf(chelsea);
    const ihdr = chunks[0]!;
    const end = { type: 'IEND', data: new Uint8Array() };
    // A 2 x 1 palette image whose second pixel uses index 3 of a 2-entry palette.
    const header = ihdr.data.slice();
    new DataView(header.buffer).setUint32(0, 2);
    new DataView(header.buffer).setUint32(4, 1);
    header[8] = 8;
    header[9] = 3;
    const plte = { type: 'PLTE', data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    const idat = { type: 'IDAT', data: deflateSync(new Uint8Array([0, 1, 3])) };
    const palette = [{ type: 'IHDR', data: header }, plte, idat, end];
    await decodeFails(pngOf(palette), /palette index 3 at pixel \(1, 0\).*2 entries/);
    await decodeFails(pngOf([palette[0]!, idat, end]), /without a PLTE/);
    const trns = { type: 'tRNS', data: new Uint8Array([1, 2, 3]) };
    await decodeFails(pngOf([palette[0]!, plte, trns, idat, end]), /3 alphas for 2 palette/);
    await decodeFails(pngOf([palette[0]!, trns, plte, idat, end]), /tRNS before PLTE/);
    await decodeFails(pngOf([palette[0]!, plte, idat, plte, idat, end]), /PLTE repeated/);
    const text = { type: 'tEXt', data: new TextEncoder().encode('a\0b') };
    await decodeFails(pngOf([palette[0]!, plte, idat, text, idat, end]), /not consecutive/);
    await decodeFails(pngOf([palette[0]!, plte, end]), /no IDAT/);
    await decodeFails(
      pngOf([palette[0]!, plte, { type: 'ZZZZ', data: header }, idat, end]),
      /critical chunk ZZZZ/,
    );
    // Ancillary chunks anywhere are skipped.
    const good = { type: 'IDAT', data: deflateSync(new Uint8Array([0, 1, 0])) };
    const fine = await decodeImage(pngOf([palette[0]!, text, plte, text, good, text, end]));
    expect(Array.from(await fine.data())).toEqual([4, 5, 6, 1, 2, 3]);
    fine.dispose();
  });

  it('refuses bad chunks: CRC, length past the end, missing IEND, bad header fields', async () => {
    const crc = chelsea.slice();
    crc[40]! ^= 1;
    await decodeFails(crc, /CRC mismatch in chunk/);
    const long = chelsea.slice();
    const idat = Buffer.from(long).indexOf('IDAT') - 4;
    new DataView(long.buffer).setUint32(idat, 0x7fff0000);
    await decodeFails(long, /claims 2147418112 bytes/);
    const chunks = chunksOf(chelsea);
    await decodeFails(pngOf(chunks.filter((c) => c.type !== 'IEND')), /before its IEND/);
    for (const [at, value, pattern] of [
      [10, 1, /compression method 1/],
      [11, 1, /filter method 1/],
      [12, 2, /interlace method 2/],
      [8, 3, /bit depth 3/],
    ] as const) {
      const header = chunks[0]!.data.slice();
      header[at] = value;
      await decodeFails(pngOf([{ type: 'IHDR', data: header }, ...chunks.slice(1)]), pattern);
    }
  });
});
