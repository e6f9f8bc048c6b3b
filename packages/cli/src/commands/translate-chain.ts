import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { convertChannels, fromSigned, readImage, tf, toSigned, writeImage } from '@atelier/core';
import { resize } from '@atelier/datasets';
import { type FrankenGanOptions, frankengan, frankenganStyles } from '@atelier/gan';
import { UsageError } from '../errors.js';
import { readWeights } from './load-generator.js';

/** The run folder's config.json when it holds a frankengan run. */
export async function frankenganConfig(weights: string): Promise<FrankenGanOptions | undefined> {
  if (!(await stat(weights).catch(() => undefined))?.isDirectory()) return undefined;
  const text = await readFile(join(weights, 'config.json'), 'utf8').catch(() => undefined);
  const config = text
    ? (JSON.parse(text) as { harness?: string; options?: FrankenGanOptions })
    : {};
  return config.harness === 'frankengan' ? config.options : undefined;
}

async function readSquare(path: string, size: number): Promise<tf.Tensor4D> {
  const image = await readImage(path);
  try {
    const [h, w, c] = image.shape;
    const pixels = { data: image.dataSync() as Float32Array, height: h, width: w, channels: c };
    const r =
      h === size && w === size
        ? pixels
        : resize(pixels, size, size, { interpolation: 'bicubic', clampTo: 255, round: true });
    return tf.tidy(() =>
      tf.expandDims(toSigned(convertChannels(tf.tensor3d(r.data, [size, size, r.channels]), 3)), 0),
    ) as tf.Tensor4D;
  } finally {
    image.dispose();
  }
}

/**
 * Runs a FrankenGAN run folder on facade masks: every stage's output,
 * `<name>_<stage>.png` (shape: labels, labels: the textured facade, details). With
 * `style`, one exemplar photo pins the photo stages' style. Returns the files written.
 */
export async function translateFrankenGan(
  inputs: string[],
  options: { weights: string; options: FrankenGanOptions; out?: string; style?: string },
): Promise<string[]> {
  if (inputs.length === 0) throw new UsageError('expected at least one input image');
  const harness = frankengan(options.options);
  const written: string[] = [];
  let styles: Record<string, tf.Tensor2D> = {};
  try {
    for (const name of harness.generators) {
      const { tensors } = await readWeights(join(options.weights, `${name}.safetensors`));
      try {
        harness.modules[name]!.loadStateDict(tensors, { from: 'torch' });
      } finally {
        tf.dispose(Object.values(tensors));
      }
    }
    const size = harness.config.size as number;
    if (options.style) {
      const exemplar = await readSquare(options.style, size);
      styles = frankenganStyles(harness, exemplar);
      exemplar.dispose();
    }
    if (options.out) await mkdir(options.out, { recursive: true });
    for (const input of inputs) {
      const stem = join(options.out ?? dirname(input), basename(input, extname(input)));
      const mask = await readSquare(input, size);
      const outputs = harness.run(mask, undefined, styles);
      try {
        for (const [i, y] of outputs.entries()) {
          const path = `${stem}_${harness.stages[i]!.name}.png`;
          const image = tf.tidy(() => fromSigned(tf.squeeze(y, [0])) as tf.Tensor3D);
          await writeImage(path, image);
          image.dispose();
          written.push(path);
        }
      } finally {
        tf.dispose([mask, ...outputs]);
      }
    }
    return written;
  } finally {
    tf.dispose(Object.values(styles));
    harness.dispose();
  }
}
