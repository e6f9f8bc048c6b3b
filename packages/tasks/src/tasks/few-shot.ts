import { ArgumentError, describe, type Module, rng, ShapeError, tf } from '@atelier/core';
import {
  choiceOption,
  type Harness,
  intOption,
  type JsonObject,
  type LossTerms,
  numberOption,
  readOptions,
  type SampleColumn,
} from '@atelier/gan';
import { contrastive, triplet } from '@atelier/losses';
import { checkImages, unitToSigned } from '../check-images.js';
import { type GlyphTriplet, glyphTriplets } from '../data/glyph-triplets.js';
import { verificationLoss } from '../losses/verification-loss.js';
import {
  type FewShotOptions,
  fewShotAccuracy,
  squaredDistances,
} from '../metrics/few-shot-accuracy.js';
import { SiameseNet } from '../nets/siamese-net.js';
import type { TaskDescriptor, TaskModel } from '../task.js';
import { oneNetFromWeights, taskFunctions } from '../task-functions.js';

/** How the embedding learns: Koch's verification head, or a metric loss on the embeddings. */
export const FEW_SHOT_LOSSES = ['siamese', 'contrastive', 'triplet'] as const;
export type FewShotLoss = (typeof FEW_SHOT_LOSSES)[number];

export interface FewShotTaskOptions {
  /**
   * 'siamese' (default): Koch et al.'s binary cross-entropy of p = σ(Σ α|h1 − h2| + b) on
   * matching and non-matching pairs; 'contrastive': Hadsell et al.'s loss on the same
   * pairs; 'triplet': the triplet margin loss on (anchor, positive, negative).
   */
  loss?: FewShotLoss;
  /** Image side, a multiple of 8; default 32. */
  size?: number;
  /** Image channels; default 1 (the data fills it). */
  channels?: number;
  /** Channels of the first convolution; default 16 (Koch: 64). */
  features?: number;
  /** Size of the embedding; default 64 (Koch: 4096). */
  embedding?: number;
  /** Margin of the contrastive and triplet losses; default 1. */
  margin?: number;
  /** Adam's rate; default 1e-3. */
  lr?: number;
  /** Seeds the initial weights; default 0. */
  seed?: number;
}

export type ResolvedFewShot = Required<FewShotTaskOptions>;

const KNOWN = [
  'loss',
  'size',
  'channels',
  'features',
  'embedding',
  'margin',
  'lr',
  'seed',
] as const;

export function resolveFewShot(options?: FewShotTaskOptions): ResolvedFewShot {
  const where = 'few-shot';
  const o = readOptions(options, where, KNOWN);
  const size = intOption(o.size, 32, 'size', where, 8);
  if (size % 8 !== 0)
    throw new ArgumentError(`${where}: size must be a multiple of 8, got ${describe(size)}`);
  return {
    loss: choiceOption(o.loss, 'siamese', FEW_SHOT_LOSSES, 'loss', where),
    size,
    channels: intOption(o.channels, 1, 'channels', where),
    features: intOption(o.features, 16, 'features', where),
    embedding: intOption(o.embedding, 64, 'embedding', where),
    margin: numberOption(o.margin, 1, 'margin', where),
    lr: numberOption(o.lr, 1e-3, 'lr', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

function createNet(o: ResolvedFewShot): SiameseNet {
  return new SiameseNet(
    {
      size: o.size,
      channels: o.channels,
      features: o.features,
      embedding: o.embedding,
      head: o.loss === 'siamese',
    },
    rng(o.seed).fork('net'),
  );
}

/** A batch of triplets, each [N, size, size, C] in [-1, 1]. */
export type TripletBatch = { [K in keyof GlyphTriplet]: tf.Tensor4D };

export interface FewShotHarness extends Harness<TripletBatch> {
  readonly options: ResolvedFewShot;
}

/** The loss of one batch of triplets under `o.loss`; (a, p) are matching pairs, (a, n) not. */
function tripletBatchLoss(net: SiameseNet, batch: TripletBatch, o: ResolvedFewShot): LossTerms {
  const n = batch.anchor.shape[0];
  const h = net.forward(
    tf.concat([batch.anchor, batch.positive, batch.negative], 0) as tf.Tensor4D,
  );
  const [a, p, q] = tf.split(h, 3, 0) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  if (o.loss === 'triplet') return { triplet: triplet(a, p, q, { margin: o.margin }) as tf.Scalar };
  const same = tf.concat([tf.ones([n]), tf.zeros([n])]);
  const left = tf.concat([a, a]) as tf.Tensor2D;
  const right = tf.concat([p, q]) as tf.Tensor2D;
  if (o.loss === 'contrastive')
    return { contrastive: contrastive(left, right, same, { margin: o.margin }) as tf.Scalar };
  return { verification: verificationLoss(net.verify(left, right), same) };
}

function createHarness(options?: FewShotTaskOptions): FewShotHarness {
  const o = resolveFewShot(options);
  const net = createNet(o);
  const optimizer = tf.train.adam(o.lr, 0.9, 0.999, 1e-8);
  return {
    name: 'few-shot',
    options: o,
    config: o as unknown as JsonObject,
    modules: { net },
    optimizers: { net: { optimizer, modules: ['net'], lr: o.lr } },
    generators: ['net'],
    monitor: o.loss === 'siamese' ? 'verification' : o.loss,
    check(batch) {
      for (const field of ['anchor', 'positive', 'negative'] as const) {
        checkImages(batch?.[field], 'few-shot', {
          channels: o.channels,
          size: o.size,
          name: field,
        });
      }
    },
    step([batch], ctx) {
      ctx.update('net', () => tripletBatchLoss(net, batch!, o));
    },
    samples(batch): SampleColumn[] {
      return [
        { title: 'anchor', images: batch.anchor },
        { title: 'same class', images: batch.positive },
        { title: 'other class', images: batch.negative },
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
 * A trained few-shot embedding: images [N, size, size, C] in [0, 1] to embeddings, the
 * learned distance between images, and classification of queries by their nearest
 * labelled example.
 */
export class FewShotModel implements TaskModel {
  readonly task = 'few-shot';
  readonly config: JsonObject;
  readonly net: SiameseNet;
  readonly loss: FewShotLoss;

  constructor(net: SiameseNet, config: ResolvedFewShot) {
    this.net = net.eval();
    this.loss = config.loss;
    this.config = config as unknown as JsonObject;
  }

  #check(images: unknown, where: string, name?: string): tf.Tensor4D {
    const { channels, size } = this.net.options;
    return checkImages(images, `few-shot.${where}`, { channels, size, ...(name ? { name } : {}) });
  }

  /** Embeddings [N, embedding] in (0, 1). */
  embed(images: tf.Tensor4D): tf.Tensor2D {
    const x = this.#check(images, 'embed');
    return tf.tidy(() => this.net.forward(unitToSigned(x) as tf.Tensor4D));
  }

  /** The embedding of each image as a 1 x embedding strip, [N, 1, embedding, 1] in [0, 1]. */
  apply(images: tf.Tensor4D): tf.Tensor4D {
    const x = this.#check(images, 'apply');
    return tf.tidy(() => {
      const h = this.net.forward(unitToSigned(x) as tf.Tensor4D);
      return tf.reshape(h, [h.shape[0], 1, h.shape[1], 1]) as tf.Tensor4D;
    });
  }

  /**
   * The learned dissimilarity of embeddings [Q, D] x [G, D] -> [Q, G], lower is nearer:
   * the verification head's negated logit for 'siamese' (Koch classifies by the highest
   * p), the squared Euclidean distance for the metric losses.
   */
  distances(queries: tf.Tensor2D, gallery: tf.Tensor2D): tf.Tensor2D {
    const d = this.net.options.embedding;
    for (const [name, t] of [
      ['queries', queries],
      ['gallery', gallery],
    ] as const) {
      if (!(t instanceof tf.Tensor) || t.rank !== 2 || t.shape[1] !== d)
        throw new ShapeError(`few-shot.distances: expected ${name} [N, ${d}], got ${describe(t)}`);
    }
    if (this.loss !== 'siamese') return squaredDistances(queries, gallery);
    return tf.tidy(() => tf.neg(this.net.verifyAll(queries, gallery)));
  }

  /** The class of each query [Q, ...] by its nearest example among `support` [S, ...] of `labels` [S]. */
  async classify(
    queries: tf.Tensor4D,
    support: tf.Tensor4D,
    labels: readonly number[],
  ): Promise<number[]> {
    this.#check(support, 'classify', 'support');
    if (!Array.isArray(labels) || labels.length !== support.shape[0])
      throw new ShapeError(
        `few-shot.classify: expected ${support.shape[0]} labels (one per support image), got ${describe(labels)}`,
      );
    const nearest = tf.tidy(() =>
      tf.argMin(this.distances(this.embed(queries), this.embed(support)), 1),
    );
    const index = (await nearest.array()) as number[];
    nearest.dispose();
    return index.map((i) => labels[i]!);
  }

  /** N-way K-shot accuracy (`fewShotAccuracy`) on held-out images [M, ...] in [0, 1] of classes `labels`. */
  async evaluate(
    images: tf.Tensor4D,
    labels: readonly number[],
    options: FewShotOptions,
  ): Promise<number> {
    const distances = tf.tidy(() => {
      const h = this.embed(images);
      return this.distances(h, h);
    });
    try {
      return await fewShotAccuracy(distances, labels, options);
    } finally {
      distances.dispose();
    }
  }

  dispose(): void {
    this.net.dispose();
  }
}

/**
 * Few-shot learning with Siamese networks (Koch et al. 2015) and the contrastive and
 * triplet variants, on `synthetic:glyphs`; evaluated as N-way K-shot classification of
 * held-out glyph classes by nearest neighbour in the learned space.
 */
export const fewShotTask: TaskDescriptor<FewShotTaskOptions, FewShotHarness, FewShotModel> = {
  name: 'few-shot',
  summary: 'Siamese network (Koch), contrastive or triplet embedding for N-way K-shot glyphs',
  flags: {
    loss: { option: 'loss', kind: 'string', help: 'siamese (default), contrastive or triplet' },
    features: { option: 'features', kind: 'int', help: 'channels of the first conv (default 16)' },
    embedding: { option: 'embedding', kind: 'int', help: 'size of the embedding (default 64)' },
    margin: { option: 'margin', kind: 'number', help: 'contrastive/triplet margin (default 1)' },
    lr: { option: 'lr', kind: 'number', help: 'Adam learning rate (default 1e-3)' },
  },
  defaults: { data: 'synthetic:glyphs', size: 32, steps: 2000, batch: 32 },
  fixedSize: true,
  sizeMultiple: 8,
  exported: ['net'],
  async data(options) {
    const data = await glyphTriplets(options);
    return { ...data, fills: { ...data.fills, size: options.size } };
  },
  create: createHarness,
  fromWeights: oneNetFromWeights('net', resolveFewShot, createNet, FewShotModel),
};

const functions = taskFunctions(fewShotTask);
/** Trains a few-shot embedding (see `fewShotTask`). */
export const trainFewShot = functions.train;
/** The few-shot model of a finished run (its folder, or its `net.safetensors`). */
export const loadFewShot = functions.load;
