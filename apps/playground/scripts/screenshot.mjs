// Writes the README's screenshot (screenshot.png): the built site (npm run build) served
// by `vite preview`, opened in headless Chromium with ?smoke=1, the TransformerNet demo
// given random weights, taken once every demo has finished.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TransformerNet } from '@atelier/blocks';
import { init, tf } from '@atelier/core';
import { transformerBytes } from '@atelier/style';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const query = process.argv[2] ?? '?smoke=1';

/** Random TransformerNet weights, the last layer scaled up so the output has contrast. */
async function transformerWeights() {
  await init({ backend: 'cpu' });
  const net = new TransformerNet();
  const dict = net.stateDict();
  const last = Object.keys(dict)
    .filter((k) => k.endsWith('.weight'))
    .pop();
  const scaled = tf.mul(dict[last], 300);
  net.loadStateDict({ ...dict, [last]: scaled });
  tf.dispose([...Object.values(dict), scaled]);
  const bytes = await transformerBytes(net);
  net.dispose();
  return bytes;
}

/** Sets a demo's number fields (by label) and runs it again until it is done. */
async function rerun(page, demo, button, values) {
  for (const [label, value] of Object.entries(values)) {
    await page
      .locator(`#${demo} label.field:has(> span:text-is("${label}")) input`)
      .fill(String(value));
  }
  await page.click(`#${demo} button:text("${button}")`);
  await page.waitForFunction(
    (id) => document.getElementById(id)?.dataset.state === 'running',
    demo,
  );
  await page.waitForFunction(
    (id) => document.getElementById(id)?.dataset.state !== 'running',
    demo,
    {
      timeout: 300_000,
    },
  );
}

const server = await preview({ root, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0 } });
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--use-webgpu-adapter=swiftshader',
    '--enable-features=Vulkan',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  await page.goto(`${url}${query}`);
  await page.waitForFunction(() => document.body.dataset.smoke === 'done', null, {
    timeout: 300_000,
  });
  await page.locator('#transformer input[data-role=weights]').setInputFiles({
    name: 'random.safetensors',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(await transformerWeights()),
  });
  await page.waitForFunction(
    () => document.querySelector('#transformer .load-status')?.dataset.state,
  );
  await page.click('#transformer button:text("Run on the image")');
  await page.waitForFunction(
    () => document.getElementById('transformer')?.dataset.state === 'done',
  );
  // Longer runs than the smoke's, so the pictures show learning.
  await rerun(page, 'pix2pix', 'Train', {
    steps: 200,
    'generator width (ngf)': 16,
    'learning rate': 0.001,
    'redraw samples every': 50,
  });
  await page.selectOption('#gatys select >> nth=1', '3,5,7,11,15,23');
  await rerun(page, 'gatys', 'Stylize', {
    'size (longer side)': 96,
    iterations: 60,
    'style weight': 10000,
    'feature maps per size': 32,
  });
  await rerun(page, 'bicyclegan', 'Train', {
    steps: 60,
    'generator width (ngf)': 8,
    'redraw samples every': 20,
  });
  await rerun(page, 'progan', 'Train', {
    'images per level': 160,
    steps: 150,
    batch: 8,
    'redraw samples every': 25,
  });
  await rerun(page, 'autoencoder', 'Train', {
    steps: 300,
    batch: 16,
    'redraw samples every': 50,
  });
  // One viewport for the whole page: a stitched full-page shot can lose a band.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1100, height });
  await page.screenshot({ path: join(root, 'screenshot.png'), fullPage: true });
  console.log(`wrote ${join(root, 'screenshot.png')}`);
} finally {
  await browser.close();
  await server.close();
}
