import { ArgumentError, describe, type Module, rng, ShapeError, tf } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import {
  choiceOption,
  type Harness,
  intOption,
  type JsonObject,
  numberOption,
  readOptions,
  type SampleColumn,
} from '@atelier/gan';
import { checkImages, unitToSigned } from '../check-images.js';
import { TEST_SEED_OFFSET } from '../data/image-sets.js';
import { RenderDenoiser } from '../nets/render-denoiser.js';
import type { TaskData, TaskDataOptions, TaskDescriptor, TaskModel } from '../task.js';
import { oneNetFromWeights, taskFunctions } from '../task-functions.js';

/** Samples per pixel of the renders the task trains on: the noisy input and the target. */
export const MC_NOISY_SPP = 4;
export const MC_REFERENCE_SPP = 128;

/** The auxiliary buffers the denoiser takes after the colour, with their channels. */
export const MC_BUFFERS = [
  ['albedo', 3],
  ['normals', 3],
  ['depth', 1],
] as const;

export interface McDenoiseOptions {
  /** Feed the auxiliary buffers (albedo, normals, depth) beside the noisy colour; default true. */
  buffers?: boolean;
  /**
   * With buffers, divide the colour by albedo + ε before the network and multiply its
   * output back (Bako et al.'s diffuse demodulation); default: whether buffers are fed.
   */
  demodulate?: boolean;
  /** Convolutional layers; default 8. */
  depth?: number;
  /** Feature maps; default 32. */
  features?: number;
  /** Adam's rate; default 1e-3. */
  lr?: number;
  /** Seeds the initial weights; default 0. */
  seed?: number;
  /**
   * Both of the above in one word (what `--inputs` sets): 'render' (colour alone),
   * 'buffers' (with the buffers) or 'demodulated' (with the buffers, demodulated).
   */
  inputs?: McInputs;
}

export const MC_INPUTS = ['render', 'buffers', 'demodulated'] as const;
export type McInputs = (typeof MC_INPUTS)[number];

export type ResolvedMcDenoise = Required<Omit<McDenoiseOptions, 'inputs'>>;

const KNOWN = ['buffers', 'demodulate', 'depth', 'features', 'lr', 'seed', 'inputs'] as const;

export function resolveMcDenoise(options?: McDenoiseOptions): ResolvedMcDenoise {
  const where = 'mc-denoise';
  const o = readOptions(options, where, KNOWN);
  let buffers: unknown = o.buffers ?? true;
  let demodulate: unknown = o.demodulate ?? buffers;
  if (o.inputs !== undefined) {
    const inputs = choiceOption(o.inputs, 'demodulated', MC_INPUTS, 'inputs', where);
    if (o.buffers !== undefined || o.demodulate !== undefined)
      throw new ArgumentError(`${where}: give inputs, or buffers and demodulate, not both`);
    buffers = inputs !== 'render';
    demodulate = inputs === 'demodulated';
  }
  const flag = (name: string, v: unknown): boolean => {
    if (typeof v !== 'boolean')
      throw new ArgumentError(`${where}: ${name} must be true or false, got ${describe(v)}`);
    return v;
  };
  if (flag('demodulate', demodulate) && !flag('buffers', buffers))
    throw new ArgumentError(
      `${where}: demodulate divides by the albedo buffer; it needs buffers: true`,
    );
  return {
    buffers: flag('buffers', buffers),
    demodulate: flag('demodulate', demodulate),
    depth: intOption(o.depth, 8, 'depth', where, 2),
    features: intOption(o.features, 32, 'features', where),
    lr: numberOption(o.lr, 1e-3, 'lr', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

/** Channels of the network's input: the colour and, with buffers, albedo, normals, depth. */
export function mcInputChannels(buffers: boolean): number {
  return buffers ? 3 + MC_BUFFERS.reduce((n, [, c]) => n + c, 0) : 3;
}

function createNet(o: ResolvedMcDenoise): RenderDenoiser {
  return new RenderDenoiser(
    { inChannels: mcInputChannels(o.buffers), depth: o.depth, features: o.features },
    rng(o.seed).fork('net'),
  );
}

/** A batch of renders: linear radiance (noisy, reference) and the buffers, [N, H, W, C]. */
export interface RenderBatch {
  noisy: tf.Tensor4D;
  albedo: tf.Tensor4D;
  normals: tf.Tensor4D;
  depth: tf.Tensor4D;
  reference: tf.Tensor4D;
}

/** Radiance to the network's space: log(1 + x), which tames highlights and fireflies. */
function compress(x: tf.Tensor): tf.Tensor {
  return tf.log1p(tf.relu(x));
}

function expand(x: tf.Tensor): tf.Tensor {
  return tf.relu(tf.expm1(x));
}

/** Linear radiance to a display image in [0, 1]: clipped, gamma 1/2.2. */
export function displayRender(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.pow(tf.clipByValue(x, 0, 1), 1 / 2.2));
}

/** Added to the albedo before dividing by it: dark albedos do not blow the colour up. */
const ALBEDO_EPSILON = 0.02;

/** What the network takes: the buffers or not, the colour demodulated or not. */
type InputMode = Pick<ResolvedMcDenoise, 'buffers' | 'demodulate'>;

/**
 * The network's input from the noisy colour and, with `buffers`, the buffers: checked
 * (a typed error names a missing buffer or a wrong channel count) and concatenated.
 * With `demodulate` the colour is first divided by albedo + ε (Bako et al.'s diffuse
 * demodulation): the network then sees shading, and textures come back exactly when
 * its output is multiplied by the same factor (`remodulate`).
 */
export function mcInput(
  parts: Partial<Record<'noisy' | 'albedo' | 'normals' | 'depth', tf.Tensor>>,
  mode: InputMode,
  where: string,
): tf.Tensor4D {
  const noisy = checkImages(parts.noisy, where, { channels: 3, name: 'noisy' });
  const [n, h, w] = noisy.shape;
  const inputs: tf.Tensor4D[] = [];
  if (mode.buffers) {
    for (const [name, channels] of MC_BUFFERS) {
      const t = parts[name];
      if (t === undefined)
        throw new ShapeError(
          `${where}: the denoiser was trained with the auxiliary buffers; ${name} [N, H, W, ${channels}] is missing`,
        );
      const b = checkImages(t, where, { channels, name });
      if (b.shape[0] !== n || b.shape[1] !== h || b.shape[2] !== w)
        throw new ShapeError(
          `${where}: ${name} must match noisy's [${n}, ${h}, ${w}], got [${b.shape.slice(0, 3).join(', ')}]`,
        );
      inputs.push(b);
    }
  }
  return tf.tidy(() => {
    const colour = mode.demodulate ? tf.div(noisy, tf.add(inputs[0]!, ALBEDO_EPSILON)) : noisy;
    return tf.concat([compress(colour), ...inputs], 3) as tf.Tensor4D;
  });
}

/** The network's target: log(1 + reference), divided by albedo + ε first with `demodulate`. */
function mcTarget(batch: RenderBatch, mode: InputMode): tf.Tensor {
  const { reference, albedo } = batch;
  return compress(mode.demodulate ? tf.div(reference, tf.add(albedo, ALBEDO_EPSILON)) : reference);
}

/** Radiance from the network's output: expanded, multiplied back by albedo + ε with `demodulate`. */
function remodulate(output: tf.Tensor, albedo: tf.Tensor | undefined, mode: InputMode): tf.Tensor {
  const radiance = expand(output);
  return mode.demodulate ? tf.mul(radiance, tf.add(albedo!, ALBEDO_EPSILON)) : radiance;
}

export interface McDenoiseHarness extends Harness<RenderBatch> {
  readonly options: ResolvedMcDenoise;
}

/**
 * The training harness: the network's output against the target (`mcTarget`) by mean
 * absolute error (logged as `l1`), as the graphics denoisers train (Bako et al. use L1).
 */
function createHarness(options?: McDenoiseOptions): McDenoiseHarness {
  const o = resolveMcDenoise(options);
  const net = createNet(o);
  const optimizer = tf.train.adam(o.lr, 0.9, 0.999, 1e-8);
  return {
    name: 'mc-denoise',
    options: o,
    config: o as unknown as JsonObject,
    modules: { net },
    optimizers: { net: { optimizer, modules: ['net'], lr: o.lr } },
    generators: ['net'],
    monitor: 'l1',
    check(batch) {
      tf.dispose(mcInput(batch ?? {}, o, 'mc-denoise'));
      checkImages(batch?.reference, 'mc-denoise', { channels: 3, name: 'reference' });
    },
    step([batch], ctx) {
      const b = batch!;
      ctx.update('net', () => ({
        l1: tf.mean(
          tf.abs(tf.sub(net.forward(mcInput(b, o, 'mc-denoise')), mcTarget(b, o))),
        ) as tf.Scalar,
      }));
    },
    samples(batch, generators): SampleColumn[] {
      const output = generators.net!.forward(mcInput(batch, o, 'mc-denoise'));
      const denoised = remodulate(output, batch.albedo, o);
      const show = (t: tf.Tensor) => unitToSigned(displayRender(t)) as tf.Tensor4D;
      return [
        { title: `noisy (${MC_NOISY_SPP} spp)`, images: show(batch.noisy) },
        { title: 'denoised', images: show(denoised) },
        { title: `reference (${MC_REFERENCE_SPP} spp)`, images: show(batch.reference) },
      ];
    },
    createModule(): Module {
      return createNet(o);
    },
    dispose() {
      optimizer.dispose();
      net.dispose();
    },
  };
}

/**
 * A trained render denoiser. `denoise({ noisy, albedo, normals, depth })` takes linear
 * radiance and the buffers as `synthetic.scenes` gives them ('unit' range, normals in
 * [-1, 1]) and returns the denoised radiance [N, H, W, 3] (not clipped: highlights may
 * exceed 1). `apply(input)` takes them concatenated in that order on the last axis and
 * returns the denoised radiance clipped to [0, 1], as every task's `apply` (what
 * `atelier task mc-denoise apply` writes as images).
 */
export class McDenoiseModel implements TaskModel {
  readonly task = 'mc-denoise';
  readonly config: JsonObject;
  readonly net: RenderDenoiser;
  readonly options: ResolvedMcDenoise;

  constructor(net: RenderDenoiser, options: ResolvedMcDenoise) {
    this.net = net.eval();
    this.options = options;
    this.config = options as unknown as JsonObject;
  }

  denoise(
    parts: Partial<Record<'noisy' | 'albedo' | 'normals' | 'depth', tf.Tensor>>,
  ): tf.Tensor4D {
    if (parts === null || typeof parts !== 'object')
      throw new ArgumentError(
        `mc-denoise.denoise: expected { noisy, albedo, normals, depth }, got ${describe(parts)}`,
      );
    const o = this.options;
    return tf.tidy(
      () =>
        remodulate(
          this.net.forward(mcInput(parts, o, 'mc-denoise.denoise')),
          parts.albedo,
          o,
        ) as tf.Tensor4D,
    );
  }

  apply(input: tf.Tensor4D): tf.Tensor4D {
    const x = checkImages(input, 'mc-denoise.apply', {
      channels: mcInputChannels(this.options.buffers),
      name: 'input',
    });
    return tf.tidy(() => {
      const parts: Record<string, tf.Tensor> = {
        noisy: tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 3]),
      };
      let at = 3;
      if (this.options.buffers)
        for (const [name, channels] of MC_BUFFERS) {
          parts[name] = tf.slice(x, [0, 0, 0, at], [-1, -1, -1, channels]);
          at += channels;
        }
      return tf.clipByValue(this.denoise(parts), 0, 1);
    });
  }

  dispose(): void {
    this.net.dispose();
  }
}

/**
 * The task's renders: `synthetic.scenes` at MC_NOISY_SPP and MC_REFERENCE_SPP samples
 * per pixel, rendered once into memory (a path-traced sample costs tens of
 * milliseconds: rendering again each epoch would dominate training) and handed out as
 * fresh tensors. The held-out split is rendered from another seed.
 */
async function renderData(options: TaskDataOptions): Promise<TaskData> {
  const where = 'mc-denoise data';
  const spec = options.data ?? 'synthetic:scenes';
  if (spec !== 'synthetic:scenes')
    throw new ArgumentError(
      `${where}: the render denoiser trains on 'synthetic:scenes' only, got ${describe(spec)}`,
    );
  const split = options.split ?? 'train';
  const seed = split === 'test' ? options.seed + TEST_SEED_OFFSET : options.seed;
  const { size } = options;
  const count = options.count ?? 256;
  const scenes = synthetic.scenes({
    seed,
    size,
    count,
    range: 'unit',
    referenceSpp: MC_REFERENCE_SPP,
    noisySpp: MC_NOISY_SPP,
  });
  const fields = { noisy: 3, albedo: 3, normals: 3, depth: 1, reference: 3 } as const;
  const stored: Record<keyof typeof fields, Float32Array>[] = [];
  for (let i = 0; i < count; i++) {
    const sample = (await scenes.get(i))!;
    const kept = {} as Record<keyof typeof fields, Float32Array>;
    for (const key of Object.keys(fields) as (keyof typeof fields)[])
      kept[key] = sample[key].dataSync() as Float32Array;
    tf.dispose(Object.values(sample));
    stored.push(kept);
  }
  const dataset = Dataset.indexed(count, (i) => {
    const s = stored[i]!;
    const out: Record<string, tf.Tensor3D> = {};
    for (const [key, channels] of Object.entries(fields))
      out[key] = tf.tensor3d(s[key as keyof typeof fields], [size, size, channels]);
    return out;
  });
  return {
    dataset,
    description: {
      source: spec,
      split,
      size,
      count,
      seed,
      noisySpp: MC_NOISY_SPP,
      referenceSpp: MC_REFERENCE_SPP,
    },
    fills: {},
  };
}

/**
 * A denoiser for Monte Carlo renders: a residual CNN on the noisy render (4 samples per
 * pixel) plus, as the graphics denoisers take them, albedo, normals and depth; trained
 * against 128-sample references of `synthetic.scenes`.
 */
export const mcDenoiseTask: TaskDescriptor<McDenoiseOptions, McDenoiseHarness, McDenoiseModel> = {
  name: 'mc-denoise',
  summary: 'denoiser for Monte Carlo renders: noisy render + albedo, normals, depth',
  flags: {
    inputs: {
      option: 'inputs',
      kind: 'string',
      help: 'render, buffers (+ albedo, normals, depth) or demodulated (default; buffers, colour / albedo)',
    },
    depth: { option: 'depth', kind: 'int', help: 'conv layers (default 8)' },
    features: { option: 'features', kind: 'int', help: 'feature maps (default 32)' },
    lr: { option: 'lr', kind: 'number', help: 'Adam learning rate (default 1e-3)' },
  },
  defaults: { data: 'synthetic:scenes', size: 32, steps: 2000, batch: 8 },
  exported: ['net'],
  data: renderData,
  create: createHarness,
  fromWeights: oneNetFromWeights('net', resolveMcDenoise, createNet, McDenoiseModel),
};

const functions = taskFunctions(mcDenoiseTask);
/** Trains a render denoiser (see `mcDenoiseTask`). */
export const trainMcDenoiser = functions.train;
/** The render denoiser of a finished run (its folder, or its `net.safetensors`). */
export const loadMcDenoiser = functions.load;
