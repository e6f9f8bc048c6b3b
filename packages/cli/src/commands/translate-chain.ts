import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import {
  convertChannels,
  fromSigned,
  readImage,
  rng,
  tf,
  toSigned,
  writeImage,
} from '@atelier/core';
import { resize } from '@atelier/datasets';
import {
  type ChainHarness,
  type FacadeExemplar,
  type FrankenGanOptions,
  frankengan,
  frankenganStyles,
} from '@atelier/gan';
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

/** An image read as RGB in [-1, 1], resized (bicubic) to width x height. */
async function readSized(path: string, width: number, height: number): Promise<tf.Tensor4D> {
  const image = await readImage(path);
  try {
    const [h, w, c] = image.shape;
    const pixels = { data: image.dataSync() as Float32Array, height: h, width: w, channels: c };
    const r =
      h === height && w === width
        ? pixels
        : resize(pixels, width, height, { interpolation: 'bicubic', clampTo: 255, round: true });
    return tf.tidy(() =>
      tf.expandDims(
        toSigned(convertChannels(tf.tensor3d(r.data, [height, width, r.channels]), 3)),
        0,
      ),
    ) as tf.Tensor4D;
  } finally {
    image.dispose();
  }
}

/**
 * A FrankenGAN exemplar: a facade's label map and photo side by side in one image
 * (pix2pix's aligned layout, label map left), each half resized to size x size.
 */
async function readExemplar(path: string, size: number): Promise<FacadeExemplar> {
  const image = await readImage(path);
  const [h, w] = image.shape;
  image.dispose();
  if (w !== 2 * h) {
    throw new UsageError(
      `--style: a FrankenGAN exemplar is a facade's label map and photo side by side (width twice the height, label map left), so that every stage's style is pinned; ${path} is ${w}x${h}`,
    );
  }
  const both = await readSized(path, 2 * size, size);
  const [labels, photo] = tf.split(both, 2, 2) as [tf.Tensor4D, tf.Tensor4D];
  both.dispose();
  return { labels, photo };
}

export interface FrankenGanTranslateOptions {
  weights: string;
  options: FrankenGanOptions;
  out?: string;
  /** An exemplar (label map | photo) whose codes pin every stage's style. */
  style?: string;
  /** Outputs per input, each stage's z drawn from N(0, I); without it z = 0 (the prior's mean). */
  samples?: number;
  /** Seed of the z draws; default 0. */
  seed?: number;
  strip?: number;
}

async function loadRun(weights: string, options: FrankenGanOptions): Promise<ChainHarness> {
  const harness = frankengan(options);
  try {
    for (const name of harness.generators) {
      const { tensors } = await readWeights(join(weights, `${name}.safetensors`));
      try {
        harness.modules[name]!.loadStateDict(tensors, { from: 'torch' });
      } finally {
        tf.dispose(Object.values(tensors));
      }
    }
    return harness;
  } catch (e) {
    harness.dispose();
    throw e;
  }
}

/**
 * Runs a FrankenGAN run folder on facade masks: every stage's output,
 * `<name>_<stage>.png` (shape: the label map, labels: the textured facade, details: the
 * facade with its windows and doors redrawn at 4x), or `<name>_sample<k>_<stage>.png`
 * with `samples`. With `style`, one exemplar pins every stage's style (the samples are
 * then all the same). Returns the files written.
 */
export async function translateFrankenGan(
  inputs: string[],
  options: FrankenGanTranslateOptions,
): Promise<string[]> {
  if (inputs.length === 0) throw new UsageError('expected at least one input image');
  if (options.strip !== undefined)
    throw new UsageError('--strip: a FrankenGAN run takes --samples and --style, not --strip');
  const harness = await loadRun(options.weights, options.options);
  const written: string[] = [];
  let pinned: Record<string, tf.Tensor2D> = {};
  try {
    const size = harness.config.size as number;
    if (options.style) {
      const exemplar = await readExemplar(options.style, size);
      try {
        pinned = await frankenganStyles(harness, exemplar);
      } finally {
        tf.dispose([exemplar.labels, exemplar.photo]);
      }
    }
    if (options.out) await mkdir(options.out, { recursive: true });
    const draws = rng(options.seed ?? 0);
    for (const input of inputs) {
      const stem = join(options.out ?? dirname(input), basename(input, extname(input)));
      const mask = await readSized(input, size, size);
      try {
        for (let k = 0; k < (options.samples ?? 1); k++) {
          // Each stage's code: the exemplar's, else a draw (with --samples), else z = 0.
          const styles: Record<string, tf.Tensor2D> = {};
          for (const s of harness.stages) {
            const z = options.samples !== undefined ? draws.normal([1, 8]) : undefined;
            const code = pinned[s.name] ?? z;
            if (code) styles[s.name] = code as tf.Tensor2D;
            if (z && z !== code) z.dispose();
          }
          const prefix = options.samples !== undefined ? `${stem}_sample${k}` : stem;
          const outputs = await harness.runAsync(mask, undefined, styles);
          try {
            for (const [i, y] of outputs.entries()) {
              const path = `${prefix}_${harness.stages[i]!.name}.png`;
              const image = tf.tidy(() => fromSigned(tf.squeeze(y, [0])) as tf.Tensor3D);
              await writeImage(path, image);
              image.dispose();
              written.push(path);
            }
          } finally {
            tf.dispose(outputs);
            for (const [name, code] of Object.entries(styles))
              if (code !== pinned[name]) code.dispose();
          }
        }
      } finally {
        mask.dispose();
      }
    }
    return written;
  } finally {
    tf.dispose(Object.values(pinned));
    harness.dispose();
  }
}
