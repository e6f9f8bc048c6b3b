import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import {
  convertChannels,
  fromSigned,
  type Module,
  readImage,
  rng,
  tf,
  toSigned,
  writeImage,
} from '@atelier/core';
import { resize } from '@atelier/datasets';
import {
  createBicycleE,
  createBicycleG,
  parseBicycleE,
  type ResolvedBicycleGan,
  resolveBicycleGan,
} from '@atelier/gan';
import { UsageError } from '../errors.js';
import { readWeights } from './load-generator.js';

export interface MultimodalOptions {
  /** A bicyclegan run folder, or the G.safetensors it exported (E.safetensors beside it for --style). */
  weights: string;
  /** Outputs per input, each from its own random z; default 1 (unless style or strip). */
  samples?: number;
  /** Seeds the random z; default 0. */
  seed?: number;
  /** A reference photo: its z (E's mean) instead of a random one. */
  style?: string;
  /** An interpolation strip of this many images between two random z (0: none). */
  strip?: number;
  /** Output folder (default: beside each input). */
  out?: string;
  /** G without dropout and with batch-norm running statistics. */
  eval?: boolean;
}

/** `--samples K --seed S --style ref.png --strip N`, or undefined when none is given. */
export function multimodalFlags(
  values: Record<string, unknown>,
): Omit<MultimodalOptions, 'weights' | 'out' | 'eval'> | undefined {
  const { samples, seed, style, strip } = values;
  if (samples === undefined && style === undefined && strip === undefined) {
    if (seed !== undefined) throw new UsageError('--seed goes with --samples or --strip');
    return undefined;
  }
  const int = (flag: string, v: unknown, min: number) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min)
      throw new UsageError(`--${flag}: expected an integer >= ${min}, got '${v}'`);
    return n;
  };
  return {
    ...(samples !== undefined ? { samples: int('samples', samples, 1) } : {}),
    ...(seed !== undefined ? { seed: int('seed', seed, Number.MIN_SAFE_INTEGER) } : {}),
    ...(style !== undefined ? { style: String(style) } : {}),
    ...(strip !== undefined ? { strip: int('strip', strip, 2) } : {}),
  };
}

/** Whether `weights` is a bicyclegan run folder or a generator it exported. */
export async function isBicycleRun(weights: string): Promise<boolean> {
  const isDir = (await stat(weights).catch(() => undefined))?.isDirectory() ?? false;
  const path = isDir ? join(weights, 'G.safetensors') : weights;
  if (extname(path).toLowerCase() !== '.safetensors') return false;
  const { tensors, metadata } = await readWeights(path).catch(() => ({
    tensors: {},
    metadata: {} as Record<string, string>,
  }));
  tf.dispose(Object.values(tensors));
  return metadata['atelier.harness'] === 'bicyclegan';
}

/** The run's G (and E, when asked) and its resolved options. */
async function loadRun(weights: string, withE: boolean) {
  const isDir = (await stat(weights).catch(() => undefined))?.isDirectory() ?? false;
  const gPath = isDir ? join(weights, 'G.safetensors') : weights;
  const g = await readWeights(gPath);
  const config = g.metadata['atelier.config'];
  if (g.metadata['atelier.harness'] !== 'bicyclegan' || !config) {
    tf.dispose(Object.values(g.tensors));
    throw new UsageError(
      `${gPath}: --samples, --style and --strip take a bicyclegan generator from atelier train (its harness is '${g.metadata['atelier.harness'] ?? 'unknown'}')`,
    );
  }
  const o = resolveBicycleGan(JSON.parse(config) as ResolvedBicycleGan);
  const load = <M extends Module>(module: M, tensors: Record<string, tf.Tensor>): M => {
    try {
      module.loadStateDict(tensors, { from: 'torch' });
      return module;
    } catch (error) {
      module.dispose();
      throw error;
    } finally {
      tf.dispose(Object.values(tensors));
    }
  };
  const G = load(createBicycleG(o, rng(0)), g.tensors);
  if (!withE) return { o, G };
  const ePath = join(dirname(gPath), 'E.safetensors');
  const e = await readWeights(ePath).catch(() => {
    G.dispose();
    throw new UsageError(
      `--style needs the run's encoder ${ePath} (variant ${o.variant} has none?)`,
    );
  });
  return { o, G, E: load(createBicycleE(o, rng(0)), e.tensors) };
}

/** An image file as [1, size, size, channels] in [-1, 1]. */
async function readInput(path: string, size: number, channels: number): Promise<tf.Tensor4D> {
  const image = await readImage(path);
  try {
    const [h, w, c] = image.shape;
    const pixels = { data: image.dataSync() as Float32Array, height: h, width: w, channels: c };
    const resized =
      h === size && w === size
        ? pixels
        : resize(pixels, size, size, { interpolation: 'bicubic', clampTo: 255, round: true });
    return tf.tidy(() =>
      tf.expandDims(
        toSigned(
          convertChannels(
            tf.tensor3d(resized.data, [size, size, resized.channels]),
            channels as 1 | 3 | 4,
          ),
        ),
        0,
      ),
    ) as tf.Tensor4D;
  } finally {
    image.dispose();
  }
}

async function write(path: string, y: tf.Tensor4D): Promise<string> {
  const image = tf.tidy(() => fromSigned(tf.squeeze(y, [0])) as tf.Tensor3D);
  try {
    await writeImage(path, image);
  } finally {
    image.dispose();
  }
  return path;
}

/** G(x, z) for z = (1 − t)·z₀ + t·z₁ at `steps` points, side by side. */
function strip(
  G: ReturnType<typeof createBicycleG>,
  x: tf.Tensor4D,
  z: tf.Tensor2D,
  steps: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [z0, z1] = [tf.slice(z, [0, 0], [1, -1]), tf.slice(z, [1, 0], [1, -1])];
    const frames = Array.from({ length: steps }, (_, i) => {
      const t = steps === 1 ? 0 : i / (steps - 1);
      return G.forward(x, tf.add(tf.mul(z0, 1 - t), tf.mul(z1, t)) as tf.Tensor2D);
    });
    return tf.concat(frames, 2) as tf.Tensor4D;
  });
}

/**
 * BicycleGAN's sampling: for each input, `samples` outputs from random z (seeded),
 * `<name>_sample<k>.png`; with `style`, one output from the reference photo's z
 * (`<name>_style.png`); with `strip`, an interpolation between two random z
 * (`<name>_strip.png`). Returns the files written.
 */
export async function translateMultimodal(
  inputs: string[],
  options: MultimodalOptions,
): Promise<string[]> {
  if (inputs.length === 0) throw new UsageError('expected at least one input image');
  const samples = options.samples ?? (options.style || options.strip ? 0 : 1);
  const { o, G, E } = await loadRun(options.weights, options.style !== undefined);
  const size = Number(/^unet_(\d+)$/.exec(o.netG)![1]);
  const written: string[] = [];
  let style: tf.Tensor2D | undefined;
  try {
    if (options.eval) G.eval();
    if (E && options.style) {
      E.eval();
      const side = parseBicycleE(o.netE, 'translate').size;
      const ref = await readInput(options.style, side, o.outChannels);
      style = tf.tidy(() => E.forward(ref).mu);
      ref.dispose();
    }
    if (options.out) await mkdir(options.out, { recursive: true });
    const random = rng(options.seed ?? 0);
    for (const input of inputs) {
      const stem = join(options.out ?? dirname(input), basename(input, extname(input)));
      const x = await readInput(input, size, o.inChannels);
      try {
        const z = random.normal([Math.max(samples, 2), o.nz]) as tf.Tensor2D;
        for (let k = 0; k < samples; k++) {
          const y = tf.tidy(() => G.forward(x, tf.slice(z, [k, 0], [1, -1])));
          written.push(await write(`${stem}_sample${k}.png`, y));
          y.dispose();
        }
        if (style) {
          const y = tf.tidy(() => G.forward(x, style!));
          written.push(await write(`${stem}_style.png`, y));
          y.dispose();
        }
        if (options.strip) {
          const y = strip(G, x, z, options.strip);
          written.push(await write(`${stem}_strip.png`, y));
          y.dispose();
        }
        z.dispose();
      } finally {
        x.dispose();
      }
    }
    return written;
  } finally {
    style?.dispose();
    G.dispose();
    E?.dispose();
  }
}
