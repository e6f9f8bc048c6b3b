import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runInChromium } from '../src/testing/browser.js';

// The built package (dist/) under every loader a user has: Node ESM, Node CJS and a
// browser bundler. (Vite is the loader of this test runner: see single-tfjs.test.ts.)
const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const tanhGrad = (x: number) => Math.tanh(x) + x * (1 - Math.tanh(x) ** 2);
const expected = [0.5, -1, 2].map(tanhGrad);

function expectHealthy(out: any, backends: string[]) {
  expect(out.copies).toBe(1);
  expect(out.copiesAfter).toBe(1);
  for (const b of backends) {
    expect(out.backends[b], JSON.stringify(out.backends[b])).toHaveProperty('grad');
    expect(out.backends[b].name).toBe(b);
    for (const [i, g] of (out.backends[b].grad as number[]).entries()) {
      expect(g).toBeCloseTo(expected[i]!, 4);
    }
    // d/dw sum(conv2d(ones 3x3, w 2x2, 'same')): each tap counts the pixels it meets
    // (TF's 'same' pads the bottom and right): 9, 6, 6, 4.
    expect(out.backends[b].filterGrad).toEqual([9, 6, 6, 4]);
  }
}

describe('the built package under each loader', () => {
  it('Node ESM: one tfjs, gradients, cpu + wasm + webgpu, and the process exits', async () => {
    const { stdout } = await run('node', [join(here, 'loaders/esm.mjs'), 'cpu', 'wasm', 'webgpu'], {
      timeout: 120_000,
    });
    expectHealthy(JSON.parse(stdout), ['cpu', 'wasm', 'webgpu']);
  });

  it('Node CJS (require): one tfjs, gradients, cpu + wasm', async () => {
    const { stdout } = await run('node', [join(here, 'loaders/cjs.cjs'), 'cpu', 'wasm'], {
      timeout: 120_000,
    });
    expectHealthy(JSON.parse(stdout), ['cpu', 'wasm']);
  });

  // One page load serves both browser tests.
  let page: Promise<any> | undefined;
  const inChromium = () =>
    (page ??= runInChromium<any>({
      entry: join(here, 'loaders/browser.js'),
      // The bundle finds the wasm binaries beside itself, as a bundled app would serve them.
      folders: { wasm: join(here, '../dist/browser/wasm') },
      args: [
        '--enable-unsafe-webgpu',
        '--use-webgpu-adapter=swiftshader',
        '--enable-features=Vulkan',
      ],
    }));

  it('a browser bundle (esbuild) in headless Chromium: cpu + wasm', async () => {
    expectHealthy(await inChromium(), ['cpu', 'wasm']);
  });

  it('the browser bundle in headless Chromium: webgpu, where Chromium offers an adapter', async (ctx) => {
    const out = await inChromium();
    // Without an adapter (flags, GPU blocklist, no Vulkan driver) there is nothing to test;
    // with one, the webgpu backend must start and give the right gradient.
    if (!out.adapter.found) {
      const reason = `headless Chromium has no WebGPU adapter: ${out.adapter.reason}`;
      console.warn(`skipped: ${reason}`);
      ctx.skip(reason);
    }
    expectHealthy(out, ['webgpu']);
  });
});
