/**
 * Runs a script in headless Chromium for browser tests: bundles it with esbuild (as a
 * user's bundler would), serves it with the files it fetches, opens the page and
 * returns what the script left in `globalThis.__result`. Test-only: esbuild and
 * playwright-core are the calling package's dev dependencies, and Chromium is the
 * system's (/usr/bin/chromium).
 */

export interface BrowserPageOptions {
  /** The page's script (JavaScript or TypeScript), bundled for the browser. */
  entry: string;
  /** Where a requested path (e.g. `/fixtures/a.png`) is on disk; undefined answers 404. */
  files?: (path: string) => string | undefined;
  /** Folders to copy beside the bundle, as `{ name: from }` (e.g. wasm binaries). */
  folders?: Record<string, string>;
  /** Chromium flags beyond the sandbox and network ones. */
  args?: string[];
  /** How long the script may take to set its result (default 90 s). */
  timeoutMs?: number;
}

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript',
  html: 'text/html',
  json: 'application/json',
  wasm: 'application/wasm',
};

export async function runInChromium<T>(options: BrowserPageOptions): Promise<T> {
  const { cpSync, mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const { createServer } = await import('node:http');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  // Named at run time: dev dependencies of the test, never bundled into this entry.
  const esbuild = 'esbuild';
  const playwright = 'playwright-core';
  const { build } = (await import(esbuild)) as typeof import('esbuild');
  const { chromium } = (await import(playwright)) as typeof import('playwright-core');

  const dir = mkdtempSync(join(tmpdir(), 'atelier-browser-'));
  await build({
    entryPoints: [options.entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(dir, 'app.js'),
    logLevel: 'silent',
  });
  for (const [name, from] of Object.entries(options.folders ?? {})) {
    cpSync(from, join(dir, name), { recursive: true });
  }
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="app.js"></script>',
  );
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    const path = options.files?.(url) ?? join(dir, url === '/' ? 'index.html' : url.slice(1));
    try {
      const body = readFileSync(path);
      const type = CONTENT_TYPES[path.split('.').pop() ?? ''] ?? 'application/octet-stream';
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
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      ...(options.args ?? []),
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    const handle = await page.waitForFunction(() => (globalThis as any).__result, null, {
      timeout: options.timeoutMs ?? 90_000,
    });
    return (await handle.jsonValue()) as T;
  } finally {
    await browser.close();
    server.close();
  }
}
