import { UnetGenerator } from '@atelier/blocks';
import { ArgumentError, describe, type Module, rng, tf } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import {
  type Harness,
  intOption,
  type JsonObject,
  numberOption,
  readOptions,
  type SampleColumn,
} from '@atelier/gan';
import { checkImages, unitToSigned } from '../check-images.js';
import { TEST_SEED_OFFSET } from '../data/image-sets.js';
import { scaleInvariantMse } from '../losses/scale-invariant-mse.js';
import type { TaskData, TaskDataOptions, TaskDescriptor, TaskModel } from '../task.js';
import { oneNetFromWeights, taskFunctions } from '../task-functions.js';

/** Samples per pixel of the renders the task decomposes (their buffers come with them). */
export const INTRINSICS_SPP = 32;

/** The UNet's downsamplings: sides must be multiples of 2^5 = 32. */
const NUM_DOWNS = 5;

/** Shading and specular are predicted in [0, SHADING_MAX] (the scenes' shading reaches ~2). */
const SHADING_MAX = 2;

export interface IntrinsicsOptions {
  /** Filters of the UNet's outermost conv; default 16. */
  features?: number;
  /** Weight of the recomposition term ‖albedo · shading + specular − image‖²; default 1. */
  recompose?: number;
  /** λ of the scale-invariant loss (0 MSE, 1 scale-invariant; Direct Intrinsics' 0.5); default 0.5. */
  lambda?: number;
  /** Adam's rate; default 2e-4 (pix2pix's). */
  lr?: number;
  /** Seeds the initial weights; default 0. */
  seed?: number;
}

export type ResolvedIntrinsics = Required<IntrinsicsOptions>;

const KNOWN = ['features', 'recompose', 'lambda', 'lr', 'seed'] as const;

export function resolveIntrinsics(options?: IntrinsicsOptions): ResolvedIntrinsics {
  const where = 'intrinsics';
  const o = readOptions(options, where, KNOWN);
  const lambda = numberOption(o.lambda, 0.5, 'lambda', where);
  if (lambda > 1) throw new ArgumentError(`${where}: lambda must be in [0, 1], got ${lambda}`);
  return {
    features: intOption(o.features, 16, 'features', where),
    recompose: numberOption(o.recompose, 1, 'recompose', where),
    lambda,
    lr: numberOption(o.lr, 2e-4, 'lr', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

function createNet(o: ResolvedIntrinsics): UnetGenerator {
  return new UnetGenerator({
    inChannels: 3,
    outChannels: 9,
    numDowns: NUM_DOWNS,
    ngf: o.features,
    // No normalisation: the innermost level is 1x1 at 32² (instance norm would zero it).
    norm: 'none',
    seed: rng(o.seed).fork('net'),
  });
}

/** A batch of scenes: the render and its layers, [N, H, W, 3] each, linear. */
export interface SceneLayers {
  image: tf.Tensor4D;
  albedo: tf.Tensor4D;
  shading: tf.Tensor4D;
  specular: tf.Tensor4D;
}

export interface Decomposition {
  albedo: tf.Tensor4D;
  shading: tf.Tensor4D;
  specular: tf.Tensor4D;
}

/** Linear radiance to the network's input: 2·log(1 + x) − 1, highlights compressed. */
function networkInput(image: tf.Tensor): tf.Tensor4D {
  return tf.sub(tf.mul(tf.log1p(tf.relu(image)), 2), 1) as tf.Tensor4D;
}

/** The UNet's tanh outputs to albedo in [0, 1], shading and specular in [0, SHADING_MAX]. */
function decompose(net: Module, image: tf.Tensor4D): Decomposition {
  const t = tf.add(net.forward(networkInput(image)) as tf.Tensor4D, 1);
  const part = (at: number, scale: number) =>
    tf.mul(tf.slice(t, [0, 0, 0, at], [-1, -1, -1, 3]), scale) as tf.Tensor4D;
  return {
    albedo: part(0, 0.5),
    shading: part(3, SHADING_MAX / 2),
    specular: part(6, SHADING_MAX / 2),
  };
}

/** image ≈ albedo · shading + specular, as the renderer composes it. */
export function recompose(d: Decomposition): tf.Tensor4D {
  return tf.add(tf.mul(d.albedo, d.shading), d.specular) as tf.Tensor4D;
}

export interface IntrinsicsHarness extends Harness<SceneLayers> {
  readonly options: ResolvedIntrinsics;
}

function checkLayers(batch: Partial<SceneLayers> | undefined, where: string): void {
  const image = checkImages(batch?.image, where, { channels: 3, name: 'image' });
  for (const name of ['albedo', 'shading', 'specular'] as const) {
    const t = checkImages(batch?.[name], where, { channels: 3, name });
    if (t.shape.join() !== image.shape.join())
      throw new ArgumentError(`${where}: ${name} must match image's [${image.shape.join(', ')}]`);
  }
}

/**
 * The training harness (Direct Intrinsics' losses): the scale-invariant MSE (λ mix) on
 * albedo and on shading, the MSE on specular, and the recomposition term
 * ‖albedo · shading + specular − image‖² that ties the three to the image.
 */
function createHarness(options?: IntrinsicsOptions): IntrinsicsHarness {
  const o = resolveIntrinsics(options);
  const net = createNet(o);
  const optimizer = tf.train.adam(o.lr, 0.5, 0.999, 1e-8);
  return {
    name: 'intrinsics',
    options: o,
    config: o as unknown as JsonObject,
    modules: { net },
    optimizers: { net: { optimizer, modules: ['net'], lr: o.lr } },
    generators: ['net'],
    monitor: 'albedo',
    check(batch) {
      checkLayers(batch, 'intrinsics');
      checkImages(batch!.image, 'intrinsics', { channels: 3, multiple: 2 ** NUM_DOWNS });
    },
    step([batch], ctx) {
      const b = batch!;
      ctx.update(
        'net',
        () => {
          const d = decompose(net, b.image);
          return {
            albedo: scaleInvariantMse(d.albedo, b.albedo, o.lambda),
            shading: scaleInvariantMse(d.shading, b.shading, o.lambda),
            specular: tf.mean(tf.squaredDifference(d.specular, b.specular)) as tf.Scalar,
            recompose: tf.mean(tf.squaredDifference(recompose(d), b.image)) as tf.Scalar,
          };
        },
        { albedo: 1, shading: 1, specular: 1, recompose: o.recompose },
      );
    },
    samples(batch, generators): SampleColumn[] {
      const d = decompose(generators.net!, batch.image);
      const show = (t: tf.Tensor) => unitToSigned(tf.clipByValue(t, 0, 1)) as tf.Tensor4D;
      return [
        { title: 'image', images: show(batch.image) },
        { title: 'albedo', images: show(d.albedo) },
        { title: 'true albedo', images: show(batch.albedo) },
        { title: 'shading', images: show(d.shading) },
        { title: 'true shading', images: show(batch.shading) },
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
 * A trained decomposition network. `decompose(images)` takes renders [N, H, W, 3]
 * (linear, sides multiples of 32) and returns albedo, shading and specular; `apply`
 * returns the albedo (what `atelier task intrinsics apply` writes).
 */
export class IntrinsicsModel implements TaskModel {
  readonly task = 'intrinsics';
  readonly config: JsonObject;
  readonly options: ResolvedIntrinsics;
  private readonly net: UnetGenerator;

  constructor(net: UnetGenerator, options: ResolvedIntrinsics) {
    this.net = net;
    this.options = options;
    this.config = options as unknown as JsonObject;
  }

  decompose(images: tf.Tensor4D): Decomposition {
    const x = checkImages(images, 'intrinsics.decompose', {
      channels: 3,
      multiple: 2 ** NUM_DOWNS,
    });
    const parts = tf.tidy(() => {
      const d = decompose(this.net, x);
      return [d.albedo, d.shading, d.specular] as const;
    });
    return { albedo: parts[0], shading: parts[1], specular: parts[2] };
  }

  apply(images: tf.Tensor4D): tf.Tensor4D {
    const d = this.decompose(images);
    tf.dispose([d.shading, d.specular]);
    return d.albedo;
  }

  dispose(): void {
    this.net.dispose();
  }
}

/**
 * The task's scenes: `synthetic.scenes` at INTRINSICS_SPP samples per pixel, the
 * converged render and its albedo, shading and specular layers, rendered once into
 * memory and handed out as fresh tensors. The held-out split uses another seed.
 */
async function sceneData(options: TaskDataOptions): Promise<TaskData> {
  const where = 'intrinsics data';
  const spec = options.data ?? 'synthetic:scenes';
  if (spec !== 'synthetic:scenes')
    throw new ArgumentError(
      `${where}: the decomposition trains on 'synthetic:scenes' only (it has the layers), got ${describe(spec)}`,
    );
  const { size } = options;
  if (size % 2 ** NUM_DOWNS !== 0)
    throw new ArgumentError(`${where}: size must be a multiple of ${2 ** NUM_DOWNS}, got ${size}`);
  const split = options.split ?? 'train';
  const seed = split === 'test' ? options.seed + TEST_SEED_OFFSET : options.seed;
  const count = options.count ?? 256;
  const scenes = synthetic.scenes({
    seed,
    size,
    count,
    range: 'unit',
    referenceSpp: INTRINSICS_SPP,
    noisySpp: 1,
  });
  const keys = ['image', 'albedo', 'shading', 'specular'] as const;
  const stored: Record<(typeof keys)[number], Float32Array>[] = [];
  for (let i = 0; i < count; i++) {
    const s = (await scenes.get(i))!;
    stored.push({
      image: s.reference.dataSync() as Float32Array,
      albedo: s.albedo.dataSync() as Float32Array,
      shading: s.shading.dataSync() as Float32Array,
      specular: s.specular.dataSync() as Float32Array,
    });
    tf.dispose(Object.values(s));
  }
  const dataset = Dataset.indexed(count, (i) => {
    const out: Record<string, tf.Tensor3D> = {};
    for (const key of keys) out[key] = tf.tensor3d(stored[i]![key], [size, size, 3]);
    return out;
  });
  return {
    dataset,
    description: { source: spec, split, size, count, seed, referenceSpp: INTRINSICS_SPP },
    fills: {},
  };
}

/**
 * Intrinsic decomposition (Narihira et al. 2015; Innamorati et al. 2017): a UNet from
 * a render to its albedo, diffuse shading and specular, trained on `synthetic.scenes`
 * with scale-invariant losses and the recomposition constraint.
 */
export const intrinsicsTask: TaskDescriptor<IntrinsicsOptions, IntrinsicsHarness, IntrinsicsModel> =
  {
    name: 'intrinsics',
    summary: 'image -> albedo, shading and specular (writes the albedo)',
    flags: {
      features: { option: 'features', kind: 'int', help: 'filters of the outer conv (default 16)' },
      recompose: {
        option: 'recompose',
        kind: 'number',
        help: 'weight of the recomposition term (default 1)',
      },
      lambda: {
        option: 'lambda',
        kind: 'number',
        help: 'scale invariance in [0, 1] (default 0.5)',
      },
      lr: { option: 'lr', kind: 'number', help: 'Adam learning rate (default 2e-4)' },
    },
    defaults: { data: 'synthetic:scenes', size: 32, steps: 2000, batch: 8 },
    sizeMultiple: 2 ** NUM_DOWNS,
    exported: ['net'],
    data: sceneData,
    create: createHarness,
    fromWeights: oneNetFromWeights('net', resolveIntrinsics, createNet, IntrinsicsModel),
  };

const functions = taskFunctions(intrinsicsTask);
/** Trains a decomposition network (see `intrinsicsTask`). */
export const trainIntrinsics = functions.train;
/** The decomposition network of a finished run (its folder, or its `net.safetensors`). */
export const loadIntrinsics = functions.load;
