// Runs in headless Chromium (resample-browser.test.ts bundles it): the resampling
// kernel on the noise fixture, in the browser's own WebAssembly engine.
import { resize } from '../../src/image/resample.ts';
import { bytesKernelAvailable } from '../../src/image/resample-kernel.ts';

async function main() {
  const { noise } = await (await fetch('/fixtures/resample.json')).json();
  const src = {
    data: Uint8Array.from(noise.pixels),
    height: noise.height,
    width: noise.width,
    channels: 3,
  };
  const outputs = noise.cases.map((c) =>
    Array.from(
      resize(src, c.width, c.height, { interpolation: c.interpolation, clampTo: 255, round: true })
        .data,
    ),
  );
  return { kernel: bytesKernelAvailable(), outputs };
}

main().then(
  (result) => {
    globalThis.__result = result;
  },
  (error) => {
    globalThis.__result = { failed: String(error?.stack ?? error) };
  },
);
