import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, init } from '../src/index.js';
import { runInChromium } from '../src/testing/browser.js';

// The browser build's image io (createImageBitmap + OffscreenCanvas) in headless
// Chromium, against the Node decoders (pngjs, jpeg-js) that image.test.ts checks
// against scikit-image. Needs the built package: `npx tsup` first.
const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures/images');

interface Pixels {
  shape: number[];
  values: number[];
}
interface BrowserResult {
  failed?: string;
  decoded: Record<string, Pixels>;
  errors: Record<string, string>;
  pngRoundTrip: Pixels;
  jpegRoundTrip: Pixels;
}

async function nodeDecode(name: string): Promise<Pixels> {
  const image = await decodeImage(new Uint8Array(readFileSync(join(fixtures, name))));
  const out = { shape: image.shape, values: Array.from(await image.data()) };
  image.dispose();
  return out;
}

function differences(a: number[], b: number[]): { max: number; mean: number; psnr: number } {
  let max = 0;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, e);
    sum += e;
    squares += e * e;
  }
  return { max, mean: sum / a.length, psnr: 10 * Math.log10((255 * 255 * a.length) / squares) };
}

describe('image io in the browser build', () => {
  let result: BrowserResult;
  beforeAll(async () => {
    await init({ backend: 'cpu' });
    result = await runInChromium<BrowserResult>({
      entry: join(here, 'browser/image.js'),
      files: (path) =>
        path.startsWith('/fixtures/') ? join(fixtures, path.slice('/fixtures/'.length)) : undefined,
    });
    expect(result.failed).toBeUndefined();
  }, 180_000);

  it('decodes opaque 8-bit PNGs to exactly the pixels Node decodes', async () => {
    for (const name of ['chelsea-64.png', 'chelsea-64-palette.png', 'brick-48-grey.png']) {
      const node = await nodeDecode(name);
      expect(result.decoded[name]!.shape, name).toEqual(node.shape);
      expect(result.decoded[name]!.values, name).toEqual(node.values);
    }
  });

  it('decodes PNGs with transparency exactly, colour of transparent pixels included', async () => {
    // Through a 2D canvas (premultiplied) a pixel of alpha 0 would lose its colour.
    for (const name of [
      'chelsea-64-rgba.png',
      'chelsea-64-palette-trns.png',
      'brick-48-grey-alpha.png',
    ]) {
      const node = await nodeDecode(name);
      expect(result.decoded[name]!.shape, name).toEqual(node.shape);
      expect(result.decoded[name]!.values, name).toEqual(node.values);
    }
  });

  it('decodes 16-bit PNGs within a level of Node', async () => {
    for (const name of ['chelsea-64-16bit.png', 'brick-48-grey-16bit.png']) {
      const node = await nodeDecode(name);
      const browser = result.decoded[name]!;
      expect(browser.shape, name).toEqual(node.shape);
      const d = differences(browser.values, node.values);
      expect(d.max, `${name}: ${JSON.stringify(d)}`).toBeLessThanOrEqual(1);
    }
  });

  it('decodes JPEGs close to jpeg-js', async () => {
    for (const name of ['rocket-64.jpg', 'rocket-64-progressive.jpg', 'brick-48-grey.jpg']) {
      const node = await nodeDecode(name);
      const browser = result.decoded[name]!;
      expect(browser.shape, name).toEqual(node.shape);
      const d = differences(browser.values, node.values);
      expect(d.mean, `${name}: ${JSON.stringify(d)}`).toBeLessThan(1.5);
      expect(d.max, `${name}: ${JSON.stringify(d)}`).toBeLessThanOrEqual(24);
    }
  });

  it('refuses truncated and corrupt files with FormatError', () => {
    expect(result.errors.truncatedPng).toMatch(/^FormatError: decodeImage: .*PNG/);
    expect(result.errors.truncatedJpeg).toMatch(/^FormatError: decodeImage: .*JPEG/);
    expect(result.errors.corruptPng).toMatch(/^FormatError: decodeImage: .*PNG/);
  });

  it('round-trips PNG exactly and JPEG closely', async () => {
    const node = await nodeDecode('chelsea-64.png');
    expect(result.pngRoundTrip.values).toEqual(node.values);
    expect(result.jpegRoundTrip.shape).toEqual(node.shape);
    const d = differences(result.jpegRoundTrip.values, node.values);
    expect(d.psnr, JSON.stringify(d)).toBeGreaterThan(30);
  });
});
