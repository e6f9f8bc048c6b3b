import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInChromium } from '@atelier/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';

// The SIMD resampling kernel in headless Chromium's WebAssembly engine (V8's, as Node's,
// but loaded the browser's way: a bundled module, compiled on the page), against PIL.
const here = dirname(fileURLToPath(import.meta.url));

interface BrowserResult {
  failed?: string;
  kernel: boolean;
  outputs: number[][];
}

describe('resampling in the browser', () => {
  let result: BrowserResult;
  beforeAll(async () => {
    result = await runInChromium<BrowserResult>({
      entry: join(here, 'browser/resample.js'),
      files: (path) =>
        path.startsWith('/fixtures/')
          ? join(here, 'fixtures', path.slice('/fixtures/'.length))
          : undefined,
    });
    expect(result.failed).toBeUndefined();
  }, 180_000);

  it("runs the SIMD kernel and gives PIL's bytes", () => {
    expect(result.kernel).toBe(true);
    const { noise } = JSON.parse(readFileSync(join(here, 'fixtures/resample.json'), 'utf8'));
    const cases = noise.cases as { pixels: number[] }[];
    expect(result.outputs).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      expect(result.outputs[i]).toEqual(c.pixels);
    });
  });
});
