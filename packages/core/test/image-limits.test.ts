import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DEFAULT_MAX_PIXELS,
  decodeImage,
  FormatError,
  imageInfo,
  init,
  tf,
} from '../src/index.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/images/${name}`, import.meta.url)));

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** A grey 8-bit PNG of `width` x `height` whose image data holds `rows` rows of zeros. */
function zerosPng(width: number, height: number, rows: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  const data = deflateSync(Buffer.alloc(rows * (width + 1)), { level: 9 });
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(
    Buffer.concat([
      signature,
      chunk('IHDR', ihdr),
      chunk('IDAT', data),
      chunk('IEND', new Uint8Array()),
    ]),
  );
}

/** rocket-64.jpg (1.4 KB of header and data) with its frame header claiming `size` x `size`. */
function claimingJpeg(size: number, name = 'rocket-64.jpg', marker = 0xc0): Uint8Array {
  const jpg = fixture(name).slice();
  let sof = 2;
  while (!(jpg[sof] === 0xff && jpg[sof + 1] === marker)) sof++;
  new DataView(jpg.buffer).setUint16(sof + 5, size);
  new DataView(jpg.buffer).setUint16(sof + 7, size);
  return jpg;
}

/** Runs a decode that must fail; returns its error, the time it took and the memory it grew. */
async function failure(bytes: Uint8Array, options?: { maxPixels?: number }) {
  const before = process.memoryUsage().arrayBuffers;
  const start = performance.now();
  const error = await decodeImage(bytes, options).then(
    (image) => {
      image.dispose();
      return undefined;
    },
    (e: unknown) => e as Error,
  );
  return {
    error,
    ms: performance.now() - start,
    grew: process.memoryUsage().arrayBuffers - before,
  };
}

describe('the decoders’ pixel budget', () => {
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });
  afterEach(() => {
    delete process.env.ATELIER_MAX_PIXELS;
  });

  it('is 2^26 pixels by default', () => {
    expect(DEFAULT_MAX_PIXELS).toBe(67_108_864);
  });

  it('refuses a small JPEG claiming 16384 x 16384 from its header, naming the limit', async () => {
    const jpg = claimingJpeg(16384);
    expect(jpg.length).toBeLessThan(2048);
    const { error, ms, grew } = await failure(jpg);
    expect(error).toBeInstanceOf(FormatError);
    expect(error!.message).toBe(
      'decodeImage: JPEG header gives 16384 x 16384 = 268435456 pixels, more than the pixel ' +
        'budget of 67108864 (2^26): refusing to allocate it; if the image is genuine, raise it ' +
        'with the maxPixels option (decodeImage, readImage, the datasets sources) or the ' +
        'ATELIER_MAX_PIXELS environment variable',
    );
    expect(ms).toBeLessThan(1000);
    expect(grew).toBeLessThan(16 * 2 ** 20);
  });

  it('refuses, under a raised budget, a JPEG too short for the frame it declares', async () => {
    const { error, ms, grew } = await failure(claimingJpeg(16384), { maxPixels: 2 ** 28 });
    expect(error).toBeInstanceOf(FormatError);
    // 3 components at 4:2:0: 4,194,304 + 2 x 1,048,576 blocks, two bits each (baseline).
    expect(error!.message).toMatch(
      /truncated JPEG: its header declares 16384 x 16384, which takes at least 1572864 bytes of image data \(two bits per 8 x 8 block\); the file has 1\d{3}$/,
    );
    expect(ms).toBeLessThan(1000);
    expect(grew).toBeLessThan(16 * 2 ** 20);
    // Progressive: a bit per block (end-of-band runs can cover many blocks' AC).
    const progressive = claimingJpeg(16384, 'rocket-64-progressive.jpg', 0xc2);
    const late2 = await failure(progressive, { maxPixels: 2 ** 28 });
    expect(late2.error!.message).toMatch(
      /at least 786432 bytes of image data \(a bit per 8 x 8 block\)/,
    );
    // A frame the file could hold passes that check and reaches the decoder, which finds
    // the scan too short for 64 x 64 (the file is 64 x 43).
    const { error: late } = await failure(claimingJpeg(64));
    expect(late).toBeInstanceOf(FormatError);
    expect(late!.message).toMatch(/corrupt or truncated JPEG: unexpected marker/);
  });

  it('refuses a small PNG of 16384 x 16384 zeros from its header', async () => {
    const png = zerosPng(16384, 16384, 64);
    expect(png.length).toBeLessThan(4096);
    const { error, ms, grew } = await failure(png);
    expect(error).toBeInstanceOf(FormatError);
    expect(error!.message).toMatch(
      /^decodeImage: PNG header gives 16384 x 16384 = 268435456 pixels, more than the pixel budget of 67108864 \(2\^26\).*maxPixels option.*ATELIER_MAX_PIXELS/,
    );
    expect(ms).toBeLessThan(1000);
    expect(grew).toBeLessThan(16 * 2 ** 20);
    // Raised, the same file is refused for its short data, having inflated only that.
    const raised = await failure(png, { maxPixels: 2 ** 28 });
    expect(raised.error).toBeInstanceOf(FormatError);
    expect(raised.error!.message).toMatch(
      /truncated PNG: the image data inflates to 1048640 bytes/,
    );
    expect(raised.grew).toBeLessThan(64 * 2 ** 20);
  });

  it('takes the budget from the option, then ATELIER_MAX_PIXELS, and checks both', async () => {
    const png = fixture('chelsea-64.png'); // 64 x 43 = 2752 pixels
    expect(imageInfo(png, { maxPixels: 2752 }).width).toBe(64);
    expect(() => imageInfo(png, { maxPixels: 2751 })).toThrow(/budget of 2751: /);
    process.env.ATELIER_MAX_PIXELS = '2000';
    expect(() => imageInfo(png)).toThrow(FormatError);
    await expect(decodeImage(png)).rejects.toThrow(/budget of 2000/);
    const image = await decodeImage(png, { maxPixels: 4000 });
    expect(image.shape).toEqual([43, 64, 3]);
    image.dispose();
    process.env.ATELIER_MAX_PIXELS = 'lots';
    expect(() => imageInfo(png)).toThrow(ArgumentError);
    expect(() => imageInfo(png)).toThrow(/ATELIER_MAX_PIXELS must be a positive whole number/);
    delete process.env.ATELIER_MAX_PIXELS;
    for (const bad of [0, -1, 1.5, Number.NaN, '100']) {
      await expect(decodeImage(png, { maxPixels: bad as number })).rejects.toThrow(
        /decodeImage: maxPixels must be a positive whole number/,
      );
    }
    expect(tf.memory().numTensors).toBe(0);
  });
});
