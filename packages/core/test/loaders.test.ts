import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';

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

  it('a browser bundle (esbuild) in headless Chromium: cpu + wasm + webgpu', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-browser-'));
    await build({
      entryPoints: [join(here, 'loaders/browser.js')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      outfile: join(dir, 'app.js'),
      logLevel: 'silent',
    });
    // The bundle finds the wasm binaries beside itself, as a bundled app would serve them.
    cpSync(join(here, '../dist/browser/wasm'), join(dir, 'wasm'), { recursive: true });
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><script type="module" src="app.js"></script>',
    );
    const types: Record<string, string> = {
      js: 'text/javascript',
      wasm: 'application/wasm',
      html: 'text/html',
    };
    const server = createServer((req, res) => {
      const path = join(dir, (req.url ?? '/') === '/' ? 'index.html' : (req.url ?? '').slice(1));
      try {
        const body = readFileSync(path);
        res.writeHead(200, {
          'content-type': types[path.split('.').pop() ?? ''] ?? 'application/octet-stream',
        });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--enable-unsafe-webgpu',
        '--use-webgpu-adapter=swiftshader',
        '--enable-features=Vulkan',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      const handle = await page.waitForFunction(() => (globalThis as any).__result, null, {
        timeout: 90_000,
      });
      const out = await handle.jsonValue();
      expectHealthy(out, ['cpu', 'wasm']);
      // WebGPU in headless Chromium depends on its flags and GPU blocklist; report it.
      if (out.backends.webgpu.grad) expectHealthy(out, ['webgpu']);
      else console.warn(`browser webgpu: ${out.backends.webgpu.error}`);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
