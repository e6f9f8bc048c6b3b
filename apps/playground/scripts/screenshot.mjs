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
  await page.screenshot({ path: join(root, 'screenshot.png'), fullPage: true });
  console.log(`wrote ${join(root, 'screenshot.png')}`);
} finally {
  await browser.close();
  await server.close();
}
