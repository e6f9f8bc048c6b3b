/**
 * A corpus of hostile PNG and JPEG files, made from the sample fixtures at test time:
 * each is a file that a careless or malicious source could hand the decoders, with the
 * FormatError it must get. Includes every image case the attack probe of the readers
 * found (short image data, data that is not zlib, a flipped bit with a fixed CRC, a
 * small JPEG claiming 16384 x 16384, a small PNG of 16384^2 zeros).
 */
import { readFileSync } from 'node:fs';
import { crc32, deflateRawSync, deflateSync, gzipSync, inflateSync } from 'node:zlib';

export interface HostileFile {
  name: string;
  bytes: Uint8Array;
  /** What the error message must say. */
  error: RegExp;
}

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../fixtures/images/${name}`, import.meta.url)));

interface Chunk {
  type: string;
  data: Uint8Array;
}

export function pngChunks(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = view.getUint32(at);
    out.push({
      type: String.fromCharCode(...png.subarray(at + 4, at + 8)),
      data: png.slice(at + 8, at + 8 + length),
    });
    at += 12 + length;
  }
  return out;
}

/** A PNG from chunks, each with a correct CRC (zlib's crc32). */
export function pngFile(chunks: Chunk[]): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const { type, data } of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
    parts.push(head, data, crc);
  }
  return new Uint8Array(Buffer.concat(parts));
}

const END: Chunk = { type: 'IEND', data: new Uint8Array() };

function header(width: number, height: number, depth: number, colour: number, interlace = 0) {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width);
  data.writeUInt32BE(height, 4);
  data[8] = depth;
  data[9] = colour;
  data[12] = interlace;
  return { type: 'IHDR', data: new Uint8Array(data) };
}

function idat(data: Uint8Array): Chunk {
  return { type: 'IDAT', data };
}

function hostilePngs(): HostileFile[] {
  const chelsea = fixture('chelsea-64.png');
  const chunks = pngChunks(chelsea);
  const ihdr = chunks[0]!;
  const rows = new Uint8Array(
    inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data))),
  );
  const withData = (data: Uint8Array, head = ihdr) => pngFile([head, idat(data), END]);
  const stored = new Uint8Array(deflateSync(rows, { level: 0 }));
  stored[1000]! ^= 0x10;
  const badFilter = rows.slice();
  badFilter[193 * 7] = 9;
  const crc = chelsea.slice();
  crc[chelsea.length - 20]! ^= 0x01;
  const long = chelsea.slice();
  new DataView(long.buffer).setUint32(Buffer.from(long).indexOf('IDAT') - 4, 0xfffffff0);
  return [
    {
      name: 'png-short-image-data.png',
      bytes: withData(deflateSync(rows.subarray(0, 4000))),
      error: /truncated PNG: the image data inflates to 4000 bytes/,
    },
    {
      name: 'png-not-zlib.png',
      bytes: withData(new Uint8Array(3000).fill(0x41)),
      error: /not a valid zlib stream/,
    },
    {
      name: 'png-raw-deflate.png',
      bytes: withData(deflateRawSync(rows)),
      error: /not a valid zlib stream/,
    },
    {
      name: 'png-gzip-data.png',
      bytes: withData(gzipSync(rows)),
      error: /not a valid zlib stream/,
    },
    {
      name: 'png-adler-flip-crc-fixed.png',
      bytes: withData(stored),
      error: /incorrect data check/,
    },
    {
      name: 'png-empty-image-data.png',
      bytes: withData(new Uint8Array()),
      error: /truncated PNG|not a valid zlib/,
    },
    {
      name: 'png-zlib-cut.png',
      bytes: withData(deflateSync(rows).subarray(0, 900)),
      error: /truncated PNG/,
    },
    {
      name: 'png-extra-data.png',
      bytes: withData(deflateSync(Buffer.concat([rows, rows]))),
      error: /more than the 8299 bytes/,
    },
    {
      name: 'png-filter-9.png',
      bytes: withData(deflateSync(badFilter)),
      error: /row filter type 9/,
    },
    {
      name: 'png-zeros-16384.png',
      bytes: withData(deflateSync(new Uint8Array(64 * 16385)), header(16384, 16384, 8, 0)),
      error: /16384 x 16384 = 268435456 pixels, more than the pixel budget/,
    },
    {
      name: 'png-width-2-31.png',
      bytes: withData(deflateSync(rows), header(2 ** 31, 1, 8, 0)),
      error: /pixel budget|over 2\^31/,
    },
    {
      name: 'png-zero-width.png',
      bytes: withData(deflateSync(rows), header(0, 43, 8, 2)),
      error: /empty image/,
    },
    {
      name: 'png-depth-3.png',
      bytes: withData(deflateSync(rows), header(64, 43, 3, 2)),
      error: /bit depth 3 is not a valid/,
    },
    {
      name: 'png-interlace-2.png',
      bytes: withData(deflateSync(rows), header(64, 43, 8, 2, 2)),
      error: /interlace method 2/,
    },
    {
      name: 'png-palette-missing.png',
      bytes: withData(deflateSync(new Uint8Array(44)), header(3, 4, 8, 3)),
      error: /without a PLTE/,
    },
    {
      name: 'png-palette-index.png',
      bytes: pngFile([
        header(2, 1, 8, 3),
        { type: 'PLTE', data: new Uint8Array(6) },
        idat(deflateSync(new Uint8Array([0, 0, 200]))),
        END,
      ]),
      error: /palette index 200/,
    },
    { name: 'png-bad-crc.png', bytes: crc, error: /CRC mismatch/ },
    { name: 'png-chunk-past-end.png', bytes: long, error: /claims 4294967280 bytes/ },
    {
      name: 'png-no-iend.png',
      bytes: pngFile([ihdr, idat(deflateSync(rows))]),
      error: /before its IEND/,
    },
    {
      name: 'png-no-idat.png',
      bytes: pngFile([ihdr, END]),
      error: /ends before the image data|no IDAT/,
    },
    {
      name: 'png-critical-unknown.png',
      bytes: pngFile([
        ihdr,
        { type: 'QQQQ', data: new Uint8Array(4) },
        idat(deflateSync(rows)),
        END,
      ]),
      error: /unknown critical chunk QQQQ|ends before/,
    },
    { name: 'png-signature-only.png', bytes: chelsea.subarray(0, 8), error: /truncated PNG/ },
  ];
}

/** rocket-64.jpg with bytes of its SOF0 segment set (offsets from the marker's FF). */
function jpegWith(edits: [number, number][], source = 'rocket-64.jpg'): Uint8Array {
  const jpg = fixture(source).slice();
  let sof = 2;
  while (!(jpg[sof] === 0xff && jpg[sof + 1] === 0xc0)) sof++;
  for (const [offset, value] of edits) jpg[sof + offset] = value;
  return jpg;
}

function hostileJpegs(): HostileFile[] {
  const rocket = fixture('rocket-64.jpg');
  let sos = 2;
  while (!(rocket[sos] === 0xff && rocket[sos + 1] === 0xda)) sos++;
  return [
    {
      name: 'jpeg-claims-16384.jpg',
      bytes: jpegWith([
        [5, 0x40],
        [6, 0],
        [7, 0x40],
        [8, 0],
      ]),
      error: /16384 x 16384 = 268435456 pixels, more than the pixel budget/,
    },
    {
      name: 'jpeg-claims-8000.jpg',
      bytes: jpegWith([
        [5, 0x1f],
        [6, 0x40],
        [7, 0x1f],
        [8, 0x40],
      ]),
      error: /8000 x 8000, which takes at least \d+ bytes/,
    },
    {
      name: 'jpeg-half.jpg',
      bytes: rocket.subarray(0, rocket.length >> 1),
      error: /truncated|corrupt/,
    },
    {
      name: 'jpeg-no-scan-end.jpg',
      bytes: rocket.subarray(0, sos + 20),
      error: /truncated|corrupt/,
    },
    { name: 'jpeg-12-bit.jpg', bytes: jpegWith([[4, 12]]), error: /12-bit samples/ },
    { name: 'jpeg-lossless.jpg', bytes: jpegWith([[1, 0xc3]]), error: /lossless/ },
    {
      name: 'jpeg-dnl-height.jpg',
      bytes: jpegWith([
        [5, 0],
        [6, 0],
      ]),
      error: /DNL/,
    },
    { name: 'jpeg-2-components.jpg', bytes: jpegWith([[9, 2]]), error: /2 colour components/ },
    { name: 'jpeg-sampling-0.jpg', bytes: jpegWith([[11, 0x00]]), error: /sampling factors 0 x 0/ },
    {
      name: 'jpeg-scan-before-frame.jpg',
      bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0]),
      error: /before any frame header/,
    },
    {
      name: 'jpeg-segment-length-1.jpg',
      bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 1, 0, 0]),
      error: /segment of length 1/,
    },
    {
      name: 'jpeg-not-a-marker.jpg',
      bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0x12, 0x34]),
      error: /expected a marker/,
    },
  ];
}

/** Every hostile image, PNG then JPEG. */
export function hostileImages(): HostileFile[] {
  return [...hostilePngs(), ...hostileJpegs()];
}
