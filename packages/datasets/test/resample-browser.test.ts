import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';

// The SIMD resampling kernel in headless Chromium's WebAssembly engine (V8's, as Node's,
// but loaded the browser's way: a bundled module, compiled on the page), against PIL.
const here = dirname(fileURLToPath(import.meta.url));

interface BrowserResult {
  failed?: string;
  kernel: boolean;
  outputs: number[][];
}

async function runInChromium(): Promise<BrowserResult> {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-resample-browser-'));
  await build({
    entryPoints: [join(here, 'browser/resample.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(dir, 'app.js'),
    logLevel: 'silent',
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="app.js"></script>',
  );
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.startsWith('/fixtures/')
      ? join(here, 'fixtures', url.slice('/fixtures/'.length))
      : join(dir, url === '/' ? 'index.html' : url.slice(1));
    try {
      const body = readFileSync(path);
      const type = path.endsWith('.js')
        ? 'text/javascript'
        : path.endsWith('.html')
          ? 'text/html'
          : 'application/json';
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    const handle = await page.waitForFunction(() => (globalThis as any).__result, null, {
      timeout: 90_000,
    });
    return (await handle.jsonValue()) as BrowserResult;
  } finally {
    await browser.close();
    server.close();
  }
}

describe('resampling in the browser', () => {
  let result: BrowserResult;
  beforeAll(async () => {
    result = await runInChromium();
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
