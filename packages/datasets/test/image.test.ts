import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { describe, expect, it } from 'vitest';
import { convertBytes } from '../src/image/bytes.js';
import {
  labToRgb,
  labToRgbColor,
  rgbToLab,
  rgbToLabArray,
  rgbToLabColor,
} from '../src/image/lab.js';
import { type Interpolation, type Raster, resampleWindow, resize } from '../src/image/resample.js';
import { bytesKernelAvailable } from '../src/image/resample-kernel.js';
import {
  drawParams,
  preprocessWindow,
  resizedSize,
  resolvePreprocess,
} from '../src/pipeline/preprocess.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('resampling against PIL (what torchvision and junyanz call)', () => {
  const { source, cases, grey, resizeCropFlip } = fixture('resample.json');
  const src = {
    data: Float32Array.from(source.pixels as number[]),
    height: source.height,
    width: source.width,
    channels: 3,
  };

  type Case = { interpolation: string; width: number; height: number; pixels: number[] };
  it.each(
    (cases as Case[]).map((c): [string, number, number, Case] => [
      c.interpolation,
      c.width,
      c.height,
      c,
    ]),
  )('%s to %i x %i', (interpolation, width, height, c) => {
    const out = resize(src, width, height, {
      interpolation: interpolation as Interpolation,
      clampTo: 255,
      round: true,
    });
    const want = (c as { pixels: number[] }).pixels;
    let worst = 0;
    let total = 0;
    for (let i = 0; i < want.length; i++) {
      const e = Math.abs(out.data[i]! - want[i]!);
      worst = Math.max(worst, e);
      total += e;
    }
    // With PIL's fixed-point weights and rounding after each pass: the same bytes.
    expect(worst).toBe(0);
    expect(total).toBe(0);
  });

  it('grey images', () => {
    const g = {
      data: Float32Array.from(grey.pixels_in as number[]),
      height: 10,
      width: 13,
      channels: 1,
    };
    const out = resize(g, grey.width, grey.height, { clampTo: 255, round: true });
    for (let i = 0; i < grey.pixels.length; i++)
      expect(Math.abs(out.data[i]! - grey.pixels[i])).toBe(0);
  });

  it("junyanz's resize, crop and flip in one window", () => {
    const { load, crop, x, y, pixels } = resizeCropFlip;
    const out = resampleWindow(
      src,
      { resizeWidth: load, resizeHeight: load, x, y, width: crop, height: crop, flip: true },
      { clampTo: 255, round: true },
    );
    expect(out.width).toBe(crop);
    for (let i = 0; i < pixels.length; i++) expect(Math.abs(out.data[i]! - pixels[i])).toBe(0);
  });

  it('reads a column range of bytes and writes the output range directly', () => {
    // The right 6 columns of the fixture image, as bytes, into [-1, 1].
    const bytes = { ...src, data: Uint8Array.from(src.data) };
    const half = { data: new Float32Array(10 * 6 * 3), height: 10, width: 6, channels: 3 };
    for (let y = 0; y < 10; y++)
      half.data.set(src.data.subarray((y * 13 + 7) * 3, (y * 13 + 13) * 3), y * 18);
    const window = { resizeWidth: 9, resizeHeight: 8, x: 1, y: 2, width: 7, height: 5, flip: true };
    const want = resampleWindow(half, window, { clampTo: 255, round: true });
    const got = resampleWindow(
      bytes,
      { ...window, sourceX: 7, sourceWidth: 6 },
      { clampTo: 255, round: true, scale: 2 / 255, offset: -1 },
    );
    for (let i = 0; i < want.data.length; i++)
      expect(got.data[i]).toBeCloseTo((want.data[i]! * 2) / 255 - 1, 6);
    // Padding outside the resized image maps to the range's zero (black): -1.
    const padded = resampleWindow(
      bytes,
      { resizeWidth: 4, resizeHeight: 4, x: 0, y: 0, width: 6, height: 6, flip: false },
      { scale: 2 / 255, offset: -1 },
    );
    expect(padded.data[(5 * 6 + 5) * 3]).toBe(-1);
    expect(() => resampleWindow(bytes, { ...window, sourceX: 10, sourceWidth: 6 })).toThrow(
      /source columns \[10, 16\)/,
    );
  });

  it('without clamping, values pass through unclipped (cubic overshoot kept)', () => {
    const step = { data: Float32Array.from([0, 0, 1, 1]), height: 1, width: 4, channels: 1 };
    const up = resize(step, 16, 1);
    expect(Math.min(...up.data)).toBeLessThan(0);
    expect(Math.max(...up.data)).toBeGreaterThan(1);
  });
});

// Bytes go through the WebAssembly SIMD kernel, float samples through the JavaScript
// loop: both must give PIL's bytes.
describe('resampling seeded noise against PIL, in both implementations', () => {
  const { noise } = fixture('resample.json');
  const bytes = Uint8Array.from(noise.pixels as number[]);
  const sources: [string, Raster][] = [
    ['bytes (SIMD kernel)', { data: bytes, height: noise.height, width: noise.width, channels: 3 }],
    [
      'float32 (JavaScript)',
      { data: Float32Array.from(bytes), height: noise.height, width: noise.width, channels: 3 },
    ],
  ];
  type Case = { interpolation: Interpolation; width: number; height: number; pixels: number[] };
  const cases = (noise.cases as Case[]).flatMap((c) =>
    sources.map(([kind, src]): [string, number, number, string, Raster, Case] => [
      c.interpolation,
      c.width,
      c.height,
      kind,
      src,
      c,
    ]),
  );

  it('the kernel runs here (WebAssembly SIMD), and is compiled from wasm/resample.ts', () => {
    expect(bytesKernelAvailable()).toBe(true);
    // Fails (exit 1) when src/image/resample-wasm.ts is not what the source compiles to.
    const script = new URL('../scripts/build-wasm.mjs', import.meta.url);
    execFileSync(process.execPath, [script.pathname, '--check'], { stdio: 'pipe' });
  });

  it.each(cases)('%s to %i x %i from %s', (_, width, height, __, src, c) => {
    const out = resize(src, width, height, {
      interpolation: c.interpolation,
      clampTo: 255,
      round: true,
    });
    let differing = 0;
    for (let i = 0; i < c.pixels.length; i++) if (out.data[i] !== c.pixels[i]) differing++;
    expect(differing).toBe(0);
  });

  it("grey from colour is PIL's fixed-point luma (convert('L'))", () => {
    const grey = convertBytes({ bytes, height: noise.height, width: noise.width, channels: 3 }, 1);
    expect(Array.from(grey.bytes)).toEqual(noise.luma);
    const rgba = new Uint8Array(noise.height * noise.width * 4);
    for (let i = 0; i < noise.height * noise.width; i++) {
      rgba.set(bytes.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = i % 256;
    }
    const image = { bytes: rgba, height: noise.height, width: noise.width, channels: 4 };
    expect(Array.from(convertBytes(image, 1).bytes)).toEqual(noise.luma);
    expect(convertBytes(image, 3).bytes).toEqual(bytes);
    const back = convertBytes(convertBytes(image, 1), 3).bytes;
    expect(Array.from(back.filter((_, i) => i % 3 === 1))).toEqual(noise.luma);
  });
});

describe('the SIMD kernel gives what the JavaScript loop gives', () => {
  // Seeded noise of 1 to 4 channels; windows that flip, reach outside the resized image,
  // read a column range, keep a size, shrink with many taps, and map into [-1, 1].
  function noiseImage(height: number, width: number, channels: number, seed: number): Raster {
    const data = new Uint8Array(height * width * channels);
    let state = seed;
    for (let i = 0; i < data.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      data[i] = state >>> 24;
    }
    return { data, height, width, channels };
  }
  const windows = [
    { resizeWidth: 37, resizeHeight: 29, x: 3, y: 2, width: 30, height: 25, flip: false },
    { resizeWidth: 37, resizeHeight: 29, x: 3, y: 2, width: 30, height: 25, flip: true },
    { resizeWidth: 11, resizeHeight: 9, x: -2, y: -3, width: 16, height: 15, flip: true },
    { resizeWidth: 8, resizeHeight: 31, x: 0, y: 0, width: 8, height: 31, flip: false },
    { resizeWidth: 23, resizeHeight: 19, x: 1, y: 4, width: 20, height: 12, flip: false },
    { resizeWidth: 5, resizeHeight: 4, x: 0, y: 0, width: 5, height: 4, flip: false },
  ];
  const interpolations: Interpolation[] = ['bicubic', 'bilinear', 'nearest'];
  it.each([1, 2, 3, 4])('%i channels', (channels) => {
    const src = noiseImage(19, 46, channels, channels);
    const float = { ...src, data: Float32Array.from(src.data) };
    let compared = 0;
    for (const interpolation of interpolations) {
      for (const w of windows) {
        for (const columns of [{}, { sourceX: 23, sourceWidth: 23 }]) {
          const window = { ...w, ...columns };
          for (const map of [{}, { scale: 2 / 255, offset: -1 }]) {
            const options = { interpolation, clampTo: 255, round: true, ...map };
            const kernel = resampleWindow(src, window, options);
            const loop = resampleWindow(float, window, options);
            expect(kernel.data).toEqual(loop.data);
            compared += kernel.data.length;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});

describe('junyanz preprocessing', () => {
  it('sizes follow data/base_dataset.py', () => {
    const o = (preprocess: string, extra = {}) =>
      resolvePreprocess({ preprocess: preprocess as 'none', ...extra });
    expect(resizedSize(600, 400, o('resize_and_crop'))).toEqual({ width: 286, height: 286 });
    expect(resizedSize(600, 400, o('scale_width'))).toEqual({ width: 286, height: 256 });
    expect(resizedSize(300, 900, o('scale_width_and_crop'))).toEqual({ width: 286, height: 858 });
    expect(resizedSize(286, 300, o('scale_width'))).toEqual({ width: 286, height: 300 });
    // __make_power_2: Python's round() halves to even.
    expect(resizedSize(10, 18, o('none'))).toEqual({ width: 8, height: 16 });
    expect(resizedSize(14, 22, o('none'))).toEqual({ width: 16, height: 24 });
    expect(resizedSize(600, 400, o('crop'))).toEqual({ width: 600, height: 400 });
  });

  it('crop positions cover randint(0, size - crop) inclusive, flips are half the draws', () => {
    const o = resolvePreprocess({ loadSize: 10, cropSize: 8 });
    const xs = new Set<number>();
    let flips = 0;
    for (let k = 0; k < 400; k++) {
      const u = [((k * 37) % 400) / 400, ((k * 101) % 400) / 400, ((k * 53) % 400) / 400];
      let i = 0;
      const p = drawParams(100, 50, o, () => u[i++]!);
      xs.add(p.x);
      if (p.flip) flips++;
    }
    expect([...xs].sort()).toEqual([0, 1, 2]);
    expect(flips).toBeGreaterThan(150);
    expect(flips).toBeLessThan(250);
    const noFlip = resolvePreprocess({ flip: false });
    expect(drawParams(10, 10, noFlip, () => 0.99).flip).toBe(false);
  });

  it('crops only images larger than the crop, as __crop', () => {
    const o = resolvePreprocess({ preprocess: 'crop', cropSize: 8 });
    expect(preprocessWindow(6, 5, o, { x: 0, y: 0, flip: false })).toMatchObject({
      width: 6,
      height: 5,
    });
    expect(preprocessWindow(12, 5, o, { x: 3, y: 0, flip: false })).toMatchObject({
      x: 3,
      width: 8,
      height: 8,
    });
  });

  it('refuses bad options', () => {
    expect(() => resolvePreprocess({ preprocess: 'zoom' as 'none' })).toThrow(
      /expected one of resize_and_crop/,
    );
    expect(() => resolvePreprocess({ loadSize: 100, cropSize: 256 })).toThrow(
      /must not exceed loadSize/,
    );
    expect(() => resolvePreprocess({ cropSize: 0 })).toThrow(/positive integer/);
  });
});

describe('Lab conversion', () => {
  const { rgb, lab, labIn, rgbOut } = fixture('lab.json');

  it('agrees with scikit-image (which rounds the CIE constants) within 0.02', () => {
    let worst = 0;
    rgb.forEach((c: number[], i: number) => {
      const got = rgbToLabColor(c[0]!, c[1]!, c[2]!);
      for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(got[k]! - lab[i][k]));
    });
    expect(worst).toBeLessThan(0.02);
    labIn.forEach((c: number[], i: number) => {
      const got = labToRgbColor(c[0]!, c[1]!, c[2]!);
      for (let k = 0; k < 3; k++) expect(Math.abs(got[k]! - rgbOut[i][k])).toBeLessThan(2e-4);
    });
  });

  it('is exact where the standard pins it: white, black, greys, round trips', () => {
    expect(
      rgbToLabColor(1, 1, 1).map((v) =>
        Math.abs(v - [100, 0, 0][rgbToLabColor(1, 1, 1).indexOf(v)]!),
      ),
    ).toEqual([expect.closeTo(0, 10), expect.closeTo(0, 10), expect.closeTo(0, 10)]);
    expect(rgbToLabColor(0, 0, 0)).toEqual([0, 0, 0]);
    for (let g = 0; g <= 1; g += 0.125) {
      const [, a, b] = rgbToLabColor(g, g, g);
      expect(Math.abs(a)).toBeLessThan(1e-9);
      expect(Math.abs(b)).toBeLessThan(1e-9);
    }
    // Y of a grey is its linear value: L = 116 * cbrt(Y) - 16 (above epsilon).
    const lin = ((0.5 + 0.055) / 1.055) ** 2.4;
    expect(rgbToLabColor(0.5, 0.5, 0.5)[0]).toBeCloseTo(116 * Math.cbrt(lin) - 16, 10);
    for (const c of rgb as number[][]) {
      const back = labToRgbColor(...rgbToLabColor(c[0]!, c[1]!, c[2]!));
      for (let k = 0; k < 3; k++) expect(back[k]).toBeCloseTo(c[k]!, 9);
    }
  });
});

describeBackends('Lab conversion as tensor ops', () => {
  it('matches the double-precision conversion and inverts it', async () => {
    const { rgb } = fixture('lab.json');
    const flat = Float32Array.from((rgb as number[][]).flat());
    const want = rgbToLabArray(flat);
    const before = tf.memory().numTensors;
    const x = tf.tensor3d(flat, [1, flat.length / 3, 3]);
    const lab = rgbToLab(x);
    const back = labToRgb(lab);
    const got = await lab.data();
    const again = await back.data();
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(2e-3);
    for (let i = 0; i < again.length; i++)
      expect(Math.abs(again[i]! - flat[i]!)).toBeLessThan(1e-3);
    tf.dispose([x, lab, back]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => rgbToLab(tf.zeros([2, 2]))).toThrow(/last axis has 3 channels/);
  });
});
