import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveFolder } from './static-server.js';

// The built site (npm run build) in headless Chromium with SwiftShader's WebGPU, in
// smoke mode (?smoke=1: tiny sizes, few steps), on the webgpu backend: the page must
// start it or fail, never fall back to wasm silently.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

let server: Server;
let browser: Browser;
let page: Page;
const problems: string[] = [];

/** Standard deviation of a canvas's pixels: 0 for a blank (one-colour) canvas. */
async function canvasSpread(selector: string): Promise<number> {
  return page.$eval(selector, (canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < data.length; i++) {
      if (i % 4 === 3) continue;
      sum += data[i]!;
      sq += data[i]! ** 2;
    }
    const n = (data.length / 4) * 3;
    return Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2));
  });
}

async function expectPictures(demo: string, count: number): Promise<void> {
  const canvases = await page.$$(`#${demo} canvas.picture`);
  expect(canvases.length).toBe(count);
  for (let i = 0; i < count; i++) {
    const spread = await canvasSpread(`#${demo} figure:nth-of-type(${i + 1}) canvas.picture`);
    expect(spread, `${demo} picture ${i + 1} is blank`).toBeGreaterThan(2);
  }
}

async function demoData(demo: string): Promise<Record<string, string>> {
  return page.$eval(
    `#${demo}`,
    (el) => ({ ...(el as HTMLElement).dataset }) as Record<string, string>,
  );
}

/**
 * TransformerNet weights as a visitor would drop them in: random, the last layer scaled
 * up so the picture has contrast (an untrained net's output is near 0, which clamps to a
 * flat black image). Made in Node while the browser runs the smoke demos.
 */
async function transformerWeights(): Promise<Uint8Array> {
  const [{ TransformerNet }, { init, tf }, { transformerBytes }] = await Promise.all([
    import('@atelier/blocks'),
    import('@atelier/core'),
    import('@atelier/style'),
  ]);
  await init({ backend: 'cpu' });
  const net = new TransformerNet();
  const dict = net.stateDict();
  const last = Object.keys(dict)
    .filter((k) => k.endsWith('.weight'))
    .pop()!;
  const scaled = tf.mul(dict[last]!, 300);
  net.loadStateDict({ ...dict, [last]: scaled });
  tf.dispose([...Object.values(dict), scaled]);
  const bytes = await transformerBytes(net);
  net.dispose();
  return bytes;
}

/**
 * A folder in pix2pix's aligned layout: `count` PNGs of A|B side by side (a colour
 * ramp and its inverse), and one square PNG when `bad` (not A|B, to be refused).
 */
async function alignedFolder(count: number, bad = false): Promise<string> {
  const [{ encodePng, init, tf }] = await Promise.all([import('@atelier/core')]);
  await init({ backend: 'cpu' });
  const dir = mkdtempSync(join(tmpdir(), 'atelier-pairs-'));
  for (let i = 0; i < count; i++) {
    const image = tf.tidy(() => {
      const ramp = tf.linspace(0, 255, 32);
      const a = tf.stack(
        [
          tf.tile(tf.reshape(ramp, [1, 32]), [32, 1]),
          tf.fill([32, 32], 40 * i),
          tf.tile(tf.reshape(ramp, [32, 1]), [1, 32]),
        ],
        2,
      );
      return tf.concat([a, tf.sub(255, a)], 1) as import('@atelier/core').tf.Tensor3D;
    });
    writeFileSync(join(dir, `pair${i}.png`), await encodePng(image));
    image.dispose();
  }
  if (bad) {
    const square = tf.fill([32, 32, 3], 128) as import('@atelier/core').tf.Tensor3D;
    writeFileSync(join(dir, 'square.png'), await encodePng(square));
    square.dispose();
  }
  return dir;
}

/** Whether dist/ is missing or older than a source file (turbo builds it first; a direct run may not). */
function siteIsStale(): boolean {
  const built = join(dist, 'index.html');
  if (!existsSync(built)) return true;
  const sources = [join(root, 'index.html'), join(root, 'vite.config.ts')];
  for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) sources.push(join(entry.parentPath, entry.name));
  }
  const builtAt = statSync(built).mtimeMs;
  return sources.some((file) => statSync(file).mtimeMs > builtAt);
}

let weights: Promise<Uint8Array>;

beforeAll(async () => {
  if (siteIsStale()) execFileSync('npx', ['vite', 'build'], { cwd: root, stdio: 'inherit' });
  ({ server } = await serveFolder(dist).then((s) => ({ server: s.server, url: s.url })));
  const { port } = server.address() as { port: number };
  browser = await chromium.launch({
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
  page = await browser.newPage({ acceptDownloads: true });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  const opened = Date.now();
  await page.goto(`http://127.0.0.1:${port}/?smoke=1&backend=webgpu`);
  weights = transformerWeights();
  await page.waitForFunction(
    () =>
      document.body.dataset.smoke === 'done' ||
      document.getElementById('backend')?.dataset.state === 'error',
    null,
    // The target is under 2 minutes together on SwiftShader; a shared, loaded machine takes longer.
    { timeout: 300_000 },
  );
  // What each demo reported (times included), for the test log.
  const statuses = await page.$$eval('section .status', (els) =>
    els.map((e) => `${e.closest('section')?.id}: ${e.textContent}`),
  );
  console.log(
    `smoke run in ${((Date.now() - opened) / 1000).toFixed(1)} s\n${statuses.join('\n')}`,
  );
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('the playground in headless Chromium (smoke run, webgpu)', () => {
  it('runs on WebGPU and says so, with the reason', async () => {
    const banner = await page.$eval('#backend', (el) => ({
      state: (el as HTMLElement).dataset.state,
      backend: (el as HTMLElement).dataset.backend,
      text: el.textContent ?? '',
    }));
    expect(banner.state, banner.text).toBe('ready');
    expect(banner.backend).toBe('webgpu');
    expect(banner.text).toMatch(/^Running on webgpu: requested\. Adapter: /);
  });

  it('pix2pix trains: done, L1 fell, the sample grid drawn', async () => {
    const d = await demoData('pix2pix');
    expect(d.state, d.error).toBe('done');
    expect(Number(d.lossLast)).toBeLessThan(Number(d.lossFirst));
    await expectPictures('pix2pix', 1);
  });

  it('pix2pix: the generator downloads as safetensors and loads back; other bytes are refused', async () => {
    const [saved] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#pix2pix button:text("Download generator")'),
    ]);
    expect(saved.suggestedFilename()).toBe('pix2pix-facades-32px-G.safetensors');
    const path = await saved.path();
    const load = page.locator('#pix2pix input[accept=".safetensors"]');
    const status = page.locator('#pix2pix .load-status');
    await load.setInputFiles(path);
    await page.waitForFunction(
      () =>
        document.querySelector<HTMLElement>('#pix2pix .load-status')?.dataset.state !== 'loading',
    );
    expect(await status.getAttribute('data-state'), (await status.textContent()) ?? '').toBe(
      'loaded',
    );
    expect(Number(await status.getAttribute('data-tensors'))).toBeGreaterThan(10);
    await load.setInputFiles({
      name: 'bad.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('not a weights file'),
    });
    await page.waitForFunction(
      () =>
        document.querySelector<HTMLElement>('#pix2pix .load-status')?.dataset.state !== 'loading',
    );
    expect(await status.getAttribute('data-state')).toBe('error');
    expect(await status.textContent()).toMatch(/FormatError/);
  });

  it('pix2pix trains on a folder of A|B pairs; a file that is not A|B is refused by name', async () => {
    const folder = page.locator('#pix2pix input[data-role=folder]');
    await folder.setInputFiles(await alignedFolder(3));
    expect(await demoData('pix2pix')).toMatchObject({ folderImages: '3' });
    await page.fill('#pix2pix label:has-text("steps") input', '3');
    await page.click('#pix2pix button:text("Train")');
    await page.waitForFunction(
      () => ['done', 'error'].includes(document.getElementById('pix2pix')?.dataset.state ?? ''),
      null,
      { timeout: 60_000 },
    );
    const d = await demoData('pix2pix');
    expect(d.state, d.error).toBe('done');
    expect(d.pairs).toBe('3');
    expect(await page.textContent('#pix2pix .status')).toMatch(/on 3 pairs of your folder/);
    await expectPictures('pix2pix', 1);
    await folder.setInputFiles(await alignedFolder(1, true));
    await page.click('#pix2pix button:text("Train")');
    await page.waitForFunction(
      () => ['done', 'error'].includes(document.getElementById('pix2pix')?.dataset.state ?? ''),
      null,
      { timeout: 60_000 },
    );
    const refused = await demoData('pix2pix');
    expect(refused.state).toBe('error');
    expect(refused.error).toMatch(/square\.png: expected A\|B side by side .* got 32×32/);
  });

  it('Gatys: done, the loss fell, content, style and output drawn', async () => {
    const d = await demoData('gatys');
    expect(d.state, d.error).toBe('done');
    expect(Number(d.lossLast)).toBeLessThan(Number(d.lossFirst));
    await expectPictures('gatys', 3);
  });

  it('TransformerNet: dropped-in safetensors weights stylise the image, frames/s shown', async () => {
    const bytes = await weights;
    await page.locator('#transformer input[data-role=weights]').setInputFiles({
      name: 'random.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(bytes),
    });
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#transformer .load-status')?.dataset.state,
    );
    const status = page.locator('#transformer .load-status');
    expect(await status.getAttribute('data-state'), (await status.textContent()) ?? '').toBe(
      'loaded',
    );
    await page.click('#transformer button:text("Run on the image")');
    await page.waitForFunction(
      () => ['done', 'error'].includes(document.getElementById('transformer')?.dataset.state ?? ''),
      null,
      { timeout: 60_000 },
    );
    const d = await demoData('transformer');
    expect(d.state, d.error).toBe('done');
    expect(Number(d.fps)).toBeGreaterThan(0);
    await expectPictures('transformer', 2);
  });

  it('BicycleGAN trains: done, L1 fell, grid drawn; the z slider changes the picture', async () => {
    const d = await demoData('bicyclegan');
    expect(d.state, d.error).toBe('done');
    expect(Number(d.lossLast)).toBeLessThan(Number(d.lossFirst));
    await expectPictures('bicyclegan', 2);
    // The two ends of the slider give different pictures of the same input.
    expect(Number(d.zSpread)).toBeGreaterThan(1e-4);
    const before = await page.$eval('#bicyclegan figure:nth-of-type(2) canvas', (c) =>
      (c as HTMLCanvasElement).toDataURL(),
    );
    await page.$eval('#bicyclegan input[type=range]', (input) => {
      (input as HTMLInputElement).value = '1';
      input.dispatchEvent(new Event('input'));
    });
    await page.waitForFunction(
      () => document.getElementById('bicyclegan')?.dataset.z === '1',
      null,
      { timeout: 30_000 },
    );
    const after = await page.$eval('#bicyclegan figure:nth-of-type(2) canvas', (c) =>
      (c as HTMLCanvasElement).toDataURL(),
    );
    expect(after).not.toBe(before);
  });

  it('ProGAN grows to the target size: done, samples drawn at 16 px', async () => {
    const d = await demoData('progan');
    expect(d.state, d.error).toBe('done');
    // WGAN-GP's terms do not fall steadily; what the demo shows is the growth.
    expect(d.resolution).toBe('16');
    expect(Number.isFinite(Number(d.lossLast))).toBe(true);
    await expectPictures('progan', 1);
  });

  it('the autoencoder task trains: done, reconstruction error fell, grid drawn', async () => {
    const d = await demoData('autoencoder');
    expect(d.state, d.error).toBe('done');
    expect(Number(d.lossLast)).toBeLessThan(Number(d.lossFirst));
    await expectPictures('autoencoder', 1);
  });

  it('Your GPU: every case timed, GFLOP/s shown, JSON in the bench result format', async () => {
    const d = await demoData('gpu');
    expect(d.state, d.error).toBe('done');
    const results = JSON.parse(
      await page.$eval('#gpu textarea', (t) => (t as HTMLTextAreaElement).value),
    );
    // The eight convolutions of the ops suite, then the nets suite's tiny case.
    expect(results).toHaveLength(9);
    for (const r of results) {
      expect(Object.keys(r).sort()).toEqual([
        'backend',
        'case',
        'ms',
        'note',
        'ratio',
        'referenceMs',
        'runs',
        'suite',
      ]);
      expect(r).toMatchObject({ backend: 'webgpu', referenceMs: null, ratio: null });
      expect(r.ms).toBeGreaterThan(0);
      expect(r.runs).toBeGreaterThan(0);
      expect(r.note).toMatch(r.suite === 'ops' ? /\d+\.\d\d GFLOP\/s/ : /\d+\.\d\d images\/s/);
    }
    expect(results.map((r: { suite: string }) => r.suite)).toEqual([
      ...Array(8).fill('ops'),
      'nets',
    ]);
    expect(results.at(-1).case).toBe('transformer/16');
    expect(results.map((r: { case: string }) => r.case)).toContain('conv3x3/forward+backward');
  });

  it('logged no console error', () => {
    expect(problems).toEqual([]);
  });
});
