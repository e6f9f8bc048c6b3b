import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  AtelierError,
  convertChannels,
  decodeImage,
  encodeJpeg,
  encodePng,
  FormatError,
  fromSigned,
  fromUnit,
  imageGrid,
  imageInfo,
  init,
  readImage,
  rng,
  ShapeError,
  signedToUnit,
  tf,
  toSigned,
  toUnit,
  unitToSigned,
  writeImage,
} from '../src/index.js';
import { describeBackends } from '../src/testing/index.js';

// Written by tools/parity/image_reference.py from scikit-image (and torchvision for the grid).
const fixtures = new URL('./fixtures/images/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, fixtures)));

interface Described {
  shape: [number, number, number];
  mean: number[];
  pixels: { y: number; x: number; value: number[] }[];
}
const reference = JSON.parse(readFileSync(new URL('reference.json', fixtures), 'utf8')) as {
  files: Record<string, Described>;
  'chelsea-64.png luma': Described;
  grid: {
    images: number[];
    shape: [number, number, number, number];
    cols: number;
    pad: number;
    padValue: number;
    grid: number[];
    gridShape: [number, number, number];
  };
};

function channelMeans(values: ArrayLike<number>, channels: number): number[] {
  const sums = new Array(channels).fill(0);
  for (let i = 0; i < values.length; i++) sums[i % channels] += values[i]!;
  return sums.map((s) => s / (values.length / channels));
}

function pixel(values: ArrayLike<number>, shape: number[], y: number, x: number): number[] {
  const [, w, c] = shape as [number, number, number];
  return Array.from({ length: c }, (_, k) => values[(y * w + x) * c + k]!);
}

function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

/** A test image: smooth gradients plus a little seeded noise, values integers in [0, 255]. */
function testImage(h: number, w: number, c: number, seed: number): tf.Tensor3D {
  // Built in JavaScript: (tfjs 4.22's webgpu linspace gives NaN for a single point.)
  const r = rng(seed);
  const values = new Float32Array(h * w * c);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++, i++) {
        const smooth = (160 * y) / Math.max(1, h - 1) + (80 * x * (k + 1)) / c / Math.max(1, w - 1);
        values[i] = Math.min(255, Math.round(smooth + 15 * r.float()));
      }
    }
  }
  return tf.tensor3d(values, [h, w, c]);
}

function expectClose(got: ArrayLike<number>, want: number[], digits: number): void {
  expect(got.length).toBe(want.length);
  want.forEach((v, i) => {
    expect(got[i]).toBeCloseTo(v, digits);
  });
}

/** Decodes, reads the values back and disposes the tensor. */
async function decodedValues(bytes: Uint8Array, options?: { channels?: 1 | 3 | 4 }) {
  const image = await decodeImage(bytes, options);
  const values = await image.data();
  image.dispose();
  return values;
}

async function expectFormatError(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const before = tf.memory().numTensors;
  await expect(decodeImage(bytes)).rejects.toThrow(FormatError);
  await expect(decodeImage(bytes)).rejects.toThrow(pattern);
  expect(tf.memory().numTensors).toBe(before);
}

describe('decodeImage on the sample images', () => {
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  const exact = [
    ['chelsea-64.png', 3],
    ['chelsea-64-rgba.png', 4],
    ['chelsea-64-palette.png', 3],
    ['chelsea-64-palette-trns.png', 4],
    ['chelsea-64-16bit.png', 3],
    ['brick-48-grey.png', 1],
    ['brick-48-grey-alpha.png', 4],
    ['brick-48-grey-16bit.png', 1],
  ] as const;

  for (const [name, channels] of exact) {
    it(`decodes ${name} exactly as scikit-image does`, async () => {
      const ref = reference.files[name]!;
      const before = tf.memory().numTensors;
      const image = await decodeImage(fixture(name));
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(image.dtype).toBe('float32');
      expect(image.shape).toEqual([ref.shape[0], ref.shape[1], channels]);
      const values = await image.data();
      // scikit-image reads palette images as RGBA; compare the channels both have.
      const means = channelMeans(values, channels);
      for (let k = 0; k < channels; k++) expect(means[k]).toBeCloseTo(ref.mean[k]!, 9);
      for (const { y, x, value } of ref.pixels) {
        expect(pixel(values, image.shape, y, x)).toEqual(value.slice(0, channels));
      }
      image.dispose();
    });
  }

  const lossy = [
    ['rocket-64.jpg', 3],
    ['rocket-64-progressive.jpg', 3],
    ['brick-48-grey.jpg', 1],
  ] as const;

  for (const [name, channels] of lossy) {
    it(`decodes ${name} close to scikit-image's libjpeg`, async () => {
      const ref = reference.files[name]!;
      const image = await decodeImage(fixture(name));
      expect(image.shape).toEqual([ref.shape[0], ref.shape[1], channels]);
      const values = await image.data();
      // libjpeg's decode of the same file, stored as a PNG (whose decoding is exact).
      const libjpeg = await decodedValues(fixture(`${name}.libjpeg.png`));
      // jpeg-js and libjpeg differ in chroma upsampling and IDCT rounding: a level or
      // two on average, up to ~20 at sharp colour edges, none for grey (no chroma).
      let sum = 0;
      let max = 0;
      for (let i = 0; i < values.length; i++) {
        const e = Math.abs(values[i]! - libjpeg[i]!);
        sum += e;
        max = Math.max(max, e);
      }
      expect(sum / values.length).toBeLessThan(channels === 1 ? 0.1 : 1.5);
      expect(max).toBeLessThanOrEqual(channels === 1 ? 1 : 24);
      const means = channelMeans(values, channels);
      for (let k = 0; k < channels; k++) expect(Math.abs(means[k]! - ref.mean[k]!)).toBeLessThan(1);
      for (const { y, x, value } of ref.pixels) {
        const got = pixel(values, image.shape, y, x);
        for (let k = 0; k < channels; k++)
          expect(Math.abs(got[k]! - value[k]!)).toBeLessThanOrEqual(24);
      }
      image.dispose();
    });
  }

  it('decodes a progressive JPEG to the same pixels as its baseline twin', async () => {
    // Same encoder and quantisation: after all scans the coefficients are identical.
    const baseline = await decodeImage(fixture('rocket-64.jpg'));
    const progressive = await decodeImage(fixture('rocket-64-progressive.jpg'));
    expect(fixture('rocket-64.jpg')).not.toEqual(fixture('rocket-64-progressive.jpg'));
    expect(Array.from(await progressive.data())).toEqual(Array.from(await baseline.data()));
    tf.dispose([baseline, progressive]);
  });

  it('reads the header without decoding', () => {
    expect(imageInfo(fixture('chelsea-64-palette-trns.png'))).toEqual({
      format: 'png',
      width: 64,
      height: 43,
      channels: 4,
      bitDepth: 8,
    });
    expect(imageInfo(fixture('brick-48-grey-16bit.png'))).toMatchObject({
      channels: 1,
      bitDepth: 16,
    });
    expect(imageInfo(fixture('brick-48-grey.jpg'))).toMatchObject({
      format: 'jpeg',
      width: 48,
      channels: 1,
    });
    expect(imageInfo(fixture('rocket-64-progressive.jpg'))).toMatchObject({
      height: 43,
      channels: 3,
    });
  });

  it('converts channels on request', async () => {
    const before = tf.memory().numTensors;
    const rgb = await decodeImage(fixture('chelsea-64.png'));
    const rgbValues = await rgb.data();

    // Colour to grey: BT.601 luma, within rounding of Pillow's integer convert('L').
    const grey = await decodeImage(fixture('chelsea-64.png'), { channels: 1 });
    expect(grey.shape).toEqual([43, 64, 1]);
    const greyValues = await grey.data();
    for (let p = 0; p < 43 * 64; p++) {
      const [r, g, b] = [rgbValues[3 * p]!, rgbValues[3 * p + 1]!, rgbValues[3 * p + 2]!];
      expect(greyValues[p]).toBeCloseTo(0.299 * r + 0.587 * g + 0.114 * b, 3);
    }
    const luma = reference['chelsea-64.png luma'];
    expect(Math.abs(channelMeans(greyValues, 1)[0]! - luma.mean[0]!)).toBeLessThan(0.5);
    for (const { y, x, value } of luma.pixels) {
      expect(Math.abs(pixel(greyValues, grey.shape, y, x)[0]! - value[0]!)).toBeLessThanOrEqual(
        0.5 + 1e-4,
      );
    }

    // Adding alpha makes it opaque; grey to colour repeats the grey value.
    const rgba = await decodedValues(fixture('chelsea-64.png'), { channels: 4 });
    for (let p = 0; p < 43 * 64; p++) {
      expect([rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2], rgba[4 * p + 3]]).toEqual([
        rgbValues[3 * p],
        rgbValues[3 * p + 1],
        rgbValues[3 * p + 2],
        255,
      ]);
    }
    const brick = await decodedValues(fixture('brick-48-grey.png'));
    const brickRgb = await decodedValues(fixture('brick-48-grey.png'), { channels: 3 });
    for (let p = 0; p < 48 * 48; p++) {
      expect([brickRgb[3 * p], brickRgb[3 * p + 1], brickRgb[3 * p + 2]]).toEqual([
        brick[p],
        brick[p],
        brick[p],
      ]);
    }
    // Dropping alpha keeps the colour; grey with alpha to grey gives the grey back exactly.
    const withAlpha = await decodedValues(fixture('chelsea-64-rgba.png'), { channels: 3 });
    expect(Array.from(withAlpha)).toEqual(Array.from(rgbValues));
    const greyAlpha = await decodeImage(fixture('brick-48-grey-alpha.png'), { channels: 1 });
    const greyBack = await greyAlpha.data();
    for (let p = 0; p < 48 * 48; p++) expect(greyBack[p]).toBeCloseTo(brick[p]!, 3);
    tf.dispose([rgb, grey, greyAlpha]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('decodeImage on bad bytes', () => {
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it('refuses truncated PNGs at every stage', async () => {
    const png = fixture('chelsea-64.png');
    for (const n of [0, 4, 8, 20, 33, 40, 200, png.length >> 1, png.length - 13, png.length - 1]) {
      await expectFormatError(png.subarray(0, n), n === 0 ? /no bytes/ : /truncated|corrupt/);
    }
  });

  it('refuses corrupt PNGs', async () => {
    const png = fixture('chelsea-64.png');
    const flipped = png.slice();
    flipped[png.length >> 1]! ^= 0x55;
    await expectFormatError(flipped, /corrupt PNG: CRC mismatch in chunk IDAT/);
    const badType = png.slice();
    badType[25] = 5; // colour type 5 does not exist
    await expectFormatError(badType, /colour type 5/);
    const badHeader = png.slice();
    badHeader[12] = 0x58; // IHDR -> XHDR
    await expectFormatError(badHeader, /IHDR/);
  });

  it('refuses absurd sizes before allocating anything', async () => {
    const png = fixture('chelsea-64.png').slice();
    // 100000 x 100000 pixels: the header check must refuse it (the CRC is not even reached).
    new DataView(png.buffer).setUint32(16, 100_000);
    new DataView(png.buffer).setUint32(20, 100_000);
    const start = performance.now();
    await expectFormatError(png, /100000 x 100000 = 10000000000 pixels.*budget of 67108864/);
    expect(performance.now() - start).toBeLessThan(1000);
    const jpg = fixture('rocket-64.jpg').slice();
    // The SOF0 segment: FF C0, length, precision, height, width.
    let sof = 2;
    while (!(jpg[sof] === 0xff && jpg[sof + 1] === 0xc0)) sof++;
    new DataView(jpg.buffer).setUint16(sof + 5, 65_000);
    new DataView(jpg.buffer).setUint16(sof + 7, 65_000);
    await expectFormatError(jpg, /65000 x 65000 = 4225000000 pixels/);
    const empty = fixture('chelsea-64.png').slice();
    new DataView(empty.buffer).setUint32(16, 0);
    await expectFormatError(empty, /empty image/);
  });

  it('refuses truncated and corrupt JPEGs', async () => {
    const jpg = fixture('rocket-64.jpg');
    for (const n of [3, 10, 100, 400, jpg.length >> 1, jpg.length - 2]) {
      await expectFormatError(jpg.subarray(0, n), /truncated|corrupt/);
    }
    const lossless = jpg.slice();
    let sof = 2;
    while (!(lossless[sof] === 0xff && lossless[sof + 1] === 0xc0)) sof++;
    lossless[sof + 4] = 12; // 12-bit precision
    await expectFormatError(lossless, /12-bit/);
  });

  it('names other formats and refuses garbage', async () => {
    await expectFormatError(new TextEncoder().encode('GIF89a....'), /GIF/);
    await expectFormatError(
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]),
      /starts with bytes 01 02 03/,
    );
  });

  it('rejects bad arguments', async () => {
    await expect(decodeImage([1, 2, 3] as unknown as Uint8Array)).rejects.toThrow(ArgumentError);
    await expect(decodeImage(fixture('chelsea-64.png'), { channels: 2 as 1 })).rejects.toThrow(
      /channels 1, 3 or 4/,
    );
  });
});

describeBackends('image encoding', () => {
  it('round-trips PNG exactly for 1, 3 and 4 channels, keeping the channel count', async () => {
    for (const c of [1, 3, 4]) {
      const image = testImage(9, 13, c, c);
      const before = tf.memory().numTensors;
      const bytes = await encodePng(image);
      expect(tf.memory().numTensors).toBe(before);
      expect(imageInfo(bytes)).toMatchObject({ format: 'png', width: 13, height: 9, channels: c });
      const back = await decodeImage(bytes);
      expect(back.shape).toEqual([9, 13, c]);
      expect(Array.from(await back.data())).toEqual(Array.from(await image.data()));
      tf.dispose([image, back]);
    }
  });

  it('rounds values to the nearest integer', async () => {
    const image = tf.tensor3d([0.2, 0.6, 254.4, 255.4, -0.4, 127.5], [2, 3, 1]);
    const back = await decodeImage(await encodePng(image));
    expect(Array.from(await back.data())).toEqual([0, 1, 254, 255, 0, 128]);
    tf.dispose([image, back]);
  });

  it('round-trips JPEG within a PSNR bound that rises with quality', async () => {
    const image = testImage(32, 40, 3, 7);
    const values = await image.data();
    const sizes: number[] = [];
    const quality: number[] = [];
    for (const q of [30, 75, 95]) {
      const bytes = await encodeJpeg(image, { quality: q });
      sizes.push(bytes.length);
      const back = await decodeImage(bytes);
      expect(back.shape).toEqual([32, 40, 3]);
      quality.push(psnr(values, await back.data()));
      back.dispose();
    }
    expect(quality[2]).toBeGreaterThan(36);
    expect(quality[0]).toBeGreaterThan(27);
    expect(quality[0]).toBeLessThan(quality[1]!);
    expect(quality[1]).toBeLessThan(quality[2]!);
    expect(sizes[0]).toBeLessThan(sizes[2]!);
    // Grey: written as R = G = B, read back as 1 channel on request.
    const grey = testImage(16, 16, 1, 3);
    const back = await decodeImage(await encodeJpeg(grey), { channels: 1 });
    expect(back.shape).toEqual([16, 16, 1]);
    expect(psnr(await grey.data(), await back.data())).toBeGreaterThan(34);
    tf.dispose([image, grey, back]);
  });

  it('rejects images it cannot encode faithfully', async () => {
    const before = tf.memory().numTensors;
    tf.engine().startScope(); // the tensors made below are disposed by endScope
    const unit = rng(1).uniform([4, 4, 3]);
    await expect(encodePng(unit.mul(2).sub(1) as tf.Tensor3D)).rejects.toThrow(/fromSigned/);
    const nan = tf.tensor3d([1, Number.NaN, 3, 4], [2, 2, 1]);
    await expect(encodePng(nan)).rejects.toThrow(/NaN/);
    await expect(encodePng(tf.zeros([4, 4]) as unknown as tf.Tensor3D)).rejects.toThrow(ShapeError);
    await expect(encodePng(tf.zeros([4, 4, 2]) as tf.Tensor3D)).rejects.toThrow(/C in \{1, 3, 4\}/);
    await expect(encodePng(tf.zeros([0, 4, 3]) as tf.Tensor3D)).rejects.toThrow(ShapeError);
    await expect(encodePng(tf.zeros([2, 2, 3], 'bool') as unknown as tf.Tensor3D)).rejects.toThrow(
      ArgumentError,
    );
    await expect(encodeJpeg(tf.zeros([4, 4, 4]) as tf.Tensor3D)).rejects.toThrow(/no alpha/);
    await expect(encodeJpeg(tf.zeros([4, 4, 3]) as tf.Tensor3D, { quality: 0 })).rejects.toThrow(
      ArgumentError,
    );
    await expect(encodeJpeg(tf.zeros([4, 4, 3]) as tf.Tensor3D, { quality: 90.5 })).rejects.toThrow(
      ArgumentError,
    );
    tf.engine().endScope();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describeBackends('image ranges and grids', () => {
  it('maps between [0, 255], [0, 1] and [-1, 1], clamping on the way to bytes', async () => {
    const start = tf.memory().numTensors;
    tf.engine().startScope(); // the tensors made below are disposed by endScope
    const bytes = tf.tensor1d([0, 51, 127.5, 255]);
    const before = tf.memory().numTensors;
    const unit = toUnit(bytes);
    const signed = toSigned(bytes);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(Array.from(await unit.data())).toEqual([0, 0.2, 0.5, 1].map(Math.fround));
    const s = await signed.data();
    expectClose(s, [-1, -0.6, 0, 1], 6);
    const back = await fromUnit(tf.tensor1d([-0.2, 0.2, 1, 1.3])).data();
    expectClose(back, [0, 51, 255, 255], 4);
    const backSigned = await fromSigned(tf.tensor1d([-1.5, -1, 0, 1, 2])).data();
    expectClose(backSigned, [0, 0, 127.5, 255, 255], 4);
    // The affine maps between unit and signed do not clamp: they must keep gradients.
    expect(Array.from(await unitToSigned(tf.tensor1d([0, 0.25, 1, 1.5])).data())).toEqual([
      -1, -0.5, 1, 2,
    ]);
    expect(Array.from(await signedToUnit(tf.tensor1d([-1, 0, 1, -2])).data())).toEqual([
      0, 0.5, 1, -0.5,
    ]);
    const g = tf.grad((x: tf.Tensor) => signedToUnit(unitToSigned(x)).sum())(tf.tensor1d([0.3, 2]));
    expect(Array.from(await g.data())).toEqual([1, 1]);
    // int32 input is accepted and computed in float.
    expect(Array.from(await toUnit(tf.tensor1d([255], 'int32')).data())).toEqual([1]);
    expect(() => toUnit([1, 2] as unknown as tf.Tensor)).toThrow(ArgumentError);
    expect(() => fromSigned(tf.tensor1d(['a'] as unknown as number[], 'string'))).toThrow(
      /float32 or int32/,
    );
    tf.engine().endScope();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('tiles images as torchvision make_grid does', async () => {
    const { images, shape, cols, pad, padValue, grid, gridShape } = reference.grid;
    const batch = tf.tensor4d(images, shape);
    const before = tf.memory().numTensors;
    const out = imageGrid(batch, { cols, pad, padValue });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(out.shape).toEqual(gridShape);
    const values = await out.data();
    expectClose(values, grid, 6);
    // A list of images gives the same grid.
    const list = tf.unstack(batch) as tf.Tensor3D[];
    const fromList = imageGrid(list, { cols, pad, padValue });
    expect(Array.from(await fromList.data())).toEqual(Array.from(values));
    // Defaults: ceil(sqrt(5)) = 3 columns, pad 2, pad value 0.
    expect(imageGrid(batch).shape).toEqual([14, 23, 3]);
    expect(imageGrid(batch, { cols: 10, pad: 0 }).shape).toEqual([4, 25, 3]);
    tf.dispose([batch, out, fromList, ...list]);
  });

  it('rejects grids it cannot make', () => {
    const a = tf.zeros([4, 4, 3]) as tf.Tensor3D;
    const b = tf.zeros([4, 5, 3]) as tf.Tensor3D;
    expect(() => imageGrid([a, b])).toThrow(/one shape/);
    expect(() => imageGrid([])).toThrow(ArgumentError);
    expect(() => imageGrid(tf.zeros([0, 4, 4, 3]) as tf.Tensor4D)).toThrow(/at least one/);
    expect(() => imageGrid(a as unknown as tf.Tensor4D)).toThrow(ShapeError);
    expect(() => imageGrid([a], { cols: 0 })).toThrow(/cols/);
    expect(() => imageGrid([a], { pad: -1 })).toThrow(/pad/);
    expect(() => imageGrid([a], { padValue: Number.NaN })).toThrow(/padValue/);
    tf.dispose([a, b]);
  });

  it('converts channels of batches too', async () => {
    const rgba = tf.tensor4d([10, 20, 30, 40, 50, 60, 70, 80], [2, 1, 1, 4]);
    const grey = convertChannels(rgba, 1);
    expect(grey.shape).toEqual([2, 1, 1, 1]);
    const g = await grey.data();
    expect(g[0]).toBeCloseTo(0.299 * 10 + 0.587 * 20 + 0.114 * 30, 4);
    expect(g[1]).toBeCloseTo(0.299 * 50 + 0.587 * 60 + 0.114 * 70, 4);
    const opaque = convertChannels(tf.tensor3d([7], [1, 1, 1]), 4, { opaque: 1 });
    expect(Array.from(await opaque.data())).toEqual([7, 7, 7, 1]);
    expect(() => convertChannels(tf.zeros([2, 2]), 3)).toThrow(ShapeError);
    tf.dispose([rgba, grey, opaque]);
  });
});

describe('readImage and writeImage', () => {
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it('write then read PNG and JPEG files, with the format from the extension', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-image-'));
    const image = testImage(12, 10, 3, 5);
    await writeImage(join(dir, 'a.png'), image);
    await writeImage(join(dir, 'b.JPG'), image, { quality: 95 });
    const png = await readImage(join(dir, 'a.png'));
    expect(Array.from(await png.data())).toEqual(Array.from(await image.data()));
    expect(imageInfo(new Uint8Array(readFileSync(join(dir, 'b.JPG'))))).toMatchObject({
      format: 'jpeg',
    });
    const jpg = await readImage(join(dir, 'b.JPG'), { channels: 4 });
    expect(jpg.shape).toEqual([12, 10, 4]);
    expect(readdirSync(dir).sort()).toEqual(['a.png', 'b.JPG']);
    tf.dispose([image, png, jpg]);
  });

  it('name the path in every error and leave existing files intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-image-'));
    const target = join(dir, 'keep.png');
    const image = testImage(4, 4, 3, 1);
    await writeImage(target, image);
    const original = readFileSync(target);
    // An image out of range fails before anything is written.
    const bad = image.mul(3) as tf.Tensor3D;
    await expect(writeImage(target, bad)).rejects.toThrow(ShapeError);
    await expect(writeImage(target, bad)).rejects.toThrow(target);
    expect(readFileSync(target)).toEqual(original);
    // A failing rename (the target is a folder) leaves no temporary file behind.
    mkdirSync(join(dir, 'folder.png'));
    await expect(writeImage(join(dir, 'folder.png'), image)).rejects.toThrow(/folder\.png/);
    expect(readdirSync(dir).sort()).toEqual(['folder.png', 'keep.png']);
    await expect(writeImage(join(dir, 'x.gif'), image)).rejects.toThrow(
      /x\.gif.*\.png, \.jpg or \.jpeg/,
    );
    await expect(writeImage(join(dir, 'missing', 'y.png'), image)).rejects.toThrow(/missing/);

    await expect(readImage(join(dir, 'nope.png'))).rejects.toThrow(AtelierError);
    await expect(readImage(join(dir, 'nope.png'))).rejects.toThrow(/nope\.png/);
    const corrupt = join(dir, 'corrupt.png');
    writeFileSync(corrupt, readFileSync(target).subarray(0, 50));
    await expect(readImage(corrupt)).rejects.toThrow(FormatError);
    await expect(readImage(corrupt)).rejects.toThrow(/corrupt\.png: decodeImage: .*PNG/);
    tf.dispose([image, bad]);
  });
});
