import { ArgumentError, describe, type Module, rng, ShapeError, tf } from '@atelier/core';
import {
  type Harness,
  intOption,
  type JsonObject,
  type LossTerms,
  numberOption,
  readOptions,
  type SampleColumn,
} from '@atelier/gan';
import { checkImages, signedToUnit, unitToSigned } from '../check-images.js';
import { PARAM_LENGTH, paramsLoss } from '../data/shape-params.js';
import { type ShapeViews, shapeViews } from '../data/shape-views.js';
import { REPRESENTATIONS, type Representation, SharedSpaceNet } from '../nets/shared-space-net.js';
import type { TaskDescriptor, TaskModel } from '../task.js';
import { oneNetFromWeights, taskFunctions } from '../task-functions.js';

export interface SharedSpaceOptions {
  /** Image side, a multiple of 8; default 32. */
  size?: number;
  /** The sketch's channels: 1 (the only value; `apply` reads grey sketches). */
  channels?: number;
  /** Size of the shared code; default 16. */
  latent?: number;
  /** Channels of the image coders' first convolution; default 16. */
  features?: number;
  /** Hidden units of the parameter coder; default 64. */
  hidden?: number;
  /** Weight of the latent alignment ‖z_r − z_s‖² over the pairs of representations; default 1. */
  align?: number;
  /** Weight of cross-reconstruction (each representation decoded from the others' codes); default 1. */
  cross?: number;
  /** Adam's rate; default 1e-3. */
  lr?: number;
  /** Seeds the initial weights; default 0. */
  seed?: number;
}

export type ResolvedSharedSpace = Required<SharedSpaceOptions>;

const KNOWN = [
  'size',
  'channels',
  'latent',
  'features',
  'hidden',
  'align',
  'cross',
  'lr',
  'seed',
] as const;

export function resolveSharedSpace(options?: SharedSpaceOptions): ResolvedSharedSpace {
  const where = 'shared-space';
  const o = readOptions(options, where, KNOWN);
  const size = intOption(o.size, 32, 'size', where, 8);
  if (size % 8 !== 0)
    throw new ArgumentError(`${where}: size must be a multiple of 8, got ${describe(size)}`);
  const channels = intOption(o.channels, 1, 'channels', where);
  if (channels !== 1)
    throw new ArgumentError(
      `${where}: sketches have 1 channel, got channels ${describe(channels)}`,
    );
  return {
    size,
    channels,
    latent: intOption(o.latent, 16, 'latent', where),
    features: intOption(o.features, 16, 'features', where),
    hidden: intOption(o.hidden, 64, 'hidden', where),
    align: numberOption(o.align, 1, 'align', where),
    cross: numberOption(o.cross, 1, 'cross', where),
    lr: numberOption(o.lr, 1e-3, 'lr', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

function createNet(o: ResolvedSharedSpace): SharedSpaceNet {
  return new SharedSpaceNet(
    { size: o.size, latent: o.latent, features: o.features, hidden: o.hidden },
    rng(o.seed).fork('net'),
  );
}

/** A batch of objects in their three representations (images in [-1, 1]). */
export interface ViewsBatch {
  sketch: tf.Tensor4D;
  image: tf.Tensor4D;
  params: tf.Tensor2D;
}

export interface SharedSpaceHarness extends Harness<ViewsBatch> {
  readonly options: ResolvedSharedSpace;
}

/** The reconstruction error of a decoded representation against the true one. */
function reconstruction(to: Representation, decoded: tf.Tensor, target: tf.Tensor): tf.Scalar {
  if (to === 'params') return paramsLoss(decoded as tf.Tensor2D, target as tf.Tensor2D);
  return tf.mean(tf.squaredDifference(decoded, target)) as tf.Scalar;
}

/**
 * The loss terms of one batch: each representation's self-reconstruction, the alignment
 * of the three codes (mean squared difference, summed over the three pairs) and, when
 * weighted, the cross-reconstructions (every representation from the other two codes).
 */
function viewsLoss(net: SharedSpaceNet, batch: ViewsBatch, o: ResolvedSharedSpace): LossTerms {
  const z = Object.fromEntries(REPRESENTATIONS.map((r) => [r, net.encode(r, batch[r])])) as Record<
    Representation,
    tf.Tensor2D
  >;
  const terms: LossTerms = {};
  for (const r of REPRESENTATIONS) terms[r] = reconstruction(r, net.decode(r, z[r]), batch[r]);
  if (o.align > 0) {
    terms.align = tf.addN([
      tf.mean(tf.squaredDifference(z.sketch, z.image)),
      tf.mean(tf.squaredDifference(z.sketch, z.params)),
      tf.mean(tf.squaredDifference(z.image, z.params)),
    ]) as tf.Scalar;
  }
  if (o.cross > 0) {
    const parts: tf.Scalar[] = [];
    for (const from of REPRESENTATIONS)
      for (const to of REPRESENTATIONS)
        if (from !== to) parts.push(reconstruction(to, net.decode(to, z[from]), batch[to]));
    terms.cross = tf.addN(parts) as tf.Scalar;
  }
  return terms;
}

function createHarness(options?: SharedSpaceOptions): SharedSpaceHarness {
  const o = resolveSharedSpace(options);
  const net = createNet(o);
  const optimizer = tf.train.adam(o.lr, 0.9, 0.999, 1e-8);
  const grey = (x: tf.Tensor) => tf.tile(x, [1, 1, 1, 3]) as tf.Tensor4D;
  return {
    name: 'shared-space',
    options: o,
    config: o as unknown as JsonObject,
    modules: { net },
    optimizers: { net: { optimizer, modules: ['net'], lr: o.lr } },
    generators: ['net'],
    monitor: 'image',
    check(batch) {
      checkImages(batch?.sketch, 'shared-space', { channels: 1, size: o.size, name: 'sketches' });
      checkImages(batch?.image, 'shared-space', { channels: 3, size: o.size, name: 'images' });
      const p = batch.params as tf.Tensor;
      if (
        !(p instanceof tf.Tensor) ||
        p.rank !== 2 ||
        p.shape[1] !== PARAM_LENGTH ||
        p.shape[0] !== batch.image.shape[0]
      )
        throw new ShapeError(
          `shared-space: expected params [${batch.image.shape[0]}, ${PARAM_LENGTH}], got ${describe(p)}`,
        );
    },
    step([batch], ctx) {
      ctx.update('net', () => viewsLoss(net, batch!, o), { align: o.align, cross: o.cross });
    },
    samples(batch, generators): SampleColumn[] {
      const g = generators.net as SharedSpaceNet;
      return [
        { title: 'sketch', images: grey(batch.sketch) },
        { title: 'image', images: batch.image },
        {
          title: 'sketch → image',
          images: g.decode('image', g.encode('sketch', batch.sketch)) as tf.Tensor4D,
        },
        {
          title: 'params → image',
          images: g.decode('image', g.encode('params', batch.params)) as tf.Tensor4D,
        },
        {
          title: 'image → sketch',
          images: grey(g.decode('sketch', g.encode('image', batch.image))),
        },
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

function checkRepresentation(r: unknown, where: string): void {
  if (!(REPRESENTATIONS as readonly unknown[]).includes(r))
    throw new ArgumentError(
      `shared-space.${where}: expected a representation (${REPRESENTATIONS.join(', ')}), got ${describe(r)}`,
    );
}

/**
 * A trained shared space: any representation of an object to its code and back, so any
 * translates to any other. Sketches [N, S, S, 1] and images [N, S, S, 3] in [0, 1];
 * parameter vectors [N, 13] as `paramVector` makes them (decoded: logits for kind and
 * colour, read them with `readParams`).
 */
export class SharedSpaceModel implements TaskModel {
  readonly task = 'shared-space';
  readonly config: JsonObject;
  readonly net: SharedSpaceNet;

  constructor(net: SharedSpaceNet, config: ResolvedSharedSpace) {
    this.net = net.eval();
    this.config = config as unknown as JsonObject;
  }

  #input(from: Representation, x: unknown, where: string): tf.Tensor {
    checkRepresentation(from, where);
    const size = this.net.options.size;
    if (from === 'params') {
      const t = x as tf.Tensor;
      if (!(t instanceof tf.Tensor) || t.rank !== 2 || t.shape[1] !== PARAM_LENGTH)
        throw new ShapeError(
          `shared-space.${where}: expected parameter vectors [N, ${PARAM_LENGTH}], got ${describe(x)}`,
        );
      return t;
    }
    const channels = from === 'sketch' ? 1 : 3;
    return checkImages(x, `shared-space.${where}`, { channels, size, name: `${from}es` });
  }

  /** Shared codes [N, latent] of one representation. */
  encode(from: Representation, x: tf.Tensor): tf.Tensor2D {
    const t = this.#input(from, x, 'encode');
    return tf.tidy(() => this.net.encode(from, from === 'params' ? t : unitToSigned(t)));
  }

  /** One representation from codes [N, latent]: images in [0, 1], or parameter vectors (logits for kind and colour). */
  decode(to: Representation, z: tf.Tensor2D): tf.Tensor {
    checkRepresentation(to, 'decode');
    const latent = this.net.options.latent;
    if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[1] !== latent)
      throw new ShapeError(
        `shared-space.decode: expected codes [N, ${latent}], got ${describe(z)}`,
      );
    return tf.tidy(() => {
      const y = this.net.decode(to, z);
      return to === 'params' ? y : signedToUnit(y);
    });
  }

  /** `x` in representation `from` translated to `to` through the shared code. */
  translate(from: Representation, to: Representation, x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.decode(to, this.encode(from, x)));
  }

  /** Sketches [N, S, S, 1] in [0, 1] to renderings [N, S, S, 3] in [0, 1]. */
  apply(sketches: tf.Tensor4D): tf.Tensor4D {
    return this.translate('sketch', 'image', sketches) as tf.Tensor4D;
  }

  dispose(): void {
    this.net.dispose();
  }
}

/**
 * A shared latent space of sketches, renderings and parameter vectors of synthetic
 * shapes (Wang et al. 2018): an encoder and a decoder per representation, trained with
 * per-representation reconstruction, latent alignment and cross-reconstruction.
 */
export const sharedSpaceTask: TaskDescriptor<
  SharedSpaceOptions,
  SharedSpaceHarness,
  SharedSpaceModel
> = {
  name: 'shared-space',
  summary:
    'one latent space for sketches, renderings and parameters of shapes: translate any to any',
  flags: {
    latent: { option: 'latent', kind: 'int', help: 'size of the shared code (default 16)' },
    features: { option: 'features', kind: 'int', help: 'channels of the first conv (default 16)' },
    hidden: {
      option: 'hidden',
      kind: 'int',
      help: 'hidden units of the parameter coder (default 64)',
    },
    align: { option: 'align', kind: 'number', help: 'weight of latent alignment (default 1)' },
    cross: { option: 'cross', kind: 'number', help: 'weight of cross-reconstruction (default 1)' },
    lr: { option: 'lr', kind: 'number', help: 'Adam learning rate (default 1e-3)' },
  },
  defaults: { data: 'synthetic:shapes', size: 32, steps: 3000, batch: 32 },
  fixedSize: true,
  sizeMultiple: 8,
  exported: ['net'],
  async data(options) {
    const data = await shapeViews(options);
    return { ...data, fills: { size: options.size } };
  },
  create: createHarness,
  fromWeights: oneNetFromWeights('net', resolveSharedSpace, createNet, SharedSpaceModel),
};

export type { ShapeViews };

const functions = taskFunctions(sharedSpaceTask);
/** Trains a shared space (see `sharedSpaceTask`). */
export const trainSharedSpace = functions.train;
/** The shared space of a finished run (its folder, or its `net.safetensors`). */
export const loadSharedSpace = functions.load;
