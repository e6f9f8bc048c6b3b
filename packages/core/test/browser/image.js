// Runs image io from the browser build in Chromium: decodes the fixtures through
// createImageBitmap + OffscreenCanvas, encodes back, and reports pixels and errors.
import { decodeImage, encodeJpeg, encodePng, init } from '@atelier/core';

const names = [
  'chelsea-64.png',
  'chelsea-64-rgba.png',
  'chelsea-64-palette.png',
  'chelsea-64-palette-trns.png',
  'chelsea-64-16bit.png',
  'brick-48-grey.png',
  'brick-48-grey-alpha.png',
  'brick-48-grey-16bit.png',
  'rocket-64.jpg',
  'rocket-64-progressive.jpg',
  'brick-48-grey.jpg',
];

async function bytesOf(name) {
  return new Uint8Array(await (await fetch(`fixtures/${name}`)).arrayBuffer());
}

async function valuesOf(image) {
  const values = Array.from(await image.data());
  const shape = image.shape;
  image.dispose();
  return { shape, values };
}

async function errorOf(promise) {
  try {
    (await promise).dispose();
    return 'no error';
  } catch (error) {
    return `${error.name}: ${error.message}`;
  }
}

async function run() {
  await init({ backend: 'cpu' });
  const out = { decoded: {}, errors: {} };
  for (const name of names)
    out.decoded[name] = await valuesOf(await decodeImage(await bytesOf(name)));
  const png = await bytesOf('chelsea-64.png');
  const jpg = await bytesOf('rocket-64.jpg');
  out.errors.truncatedPng = await errorOf(decodeImage(png.subarray(0, png.length >> 1)));
  out.errors.truncatedJpeg = await errorOf(decodeImage(jpg.subarray(0, jpg.length >> 1)));
  const flipped = png.slice();
  flipped[png.length >> 1] ^= 0x55;
  out.errors.corruptPng = await errorOf(decodeImage(flipped));

  const image = await decodeImage(png);
  out.pngRoundTrip = await valuesOf(await decodeImage(await encodePng(image), { channels: 3 }));
  out.jpegRoundTrip = await valuesOf(await decodeImage(await encodeJpeg(image, { quality: 95 })));
  image.dispose();
  return out;
}

run().then(
  (out) => {
    globalThis.__result = out;
  },
  (error) => {
    globalThis.__result = { failed: String(error?.stack) };
  },
);
