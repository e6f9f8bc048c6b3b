import { ArgumentError, describe, rng, tf } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import type { TaskData, TaskDataOptions } from '../task.js';
import { TEST_SEED_OFFSET } from './image-sets.js';

/** Drawings of each glyph class (Omniglot has 20 drawers per character). */
export const DRAWINGS_PER_CLASS = 10;

/** Glyphs drawn once: images [N, size, size, 1] in [0, 1] (black on white) and their classes. */
export interface GlyphSet {
  images: tf.Tensor4D;
  labels: number[];
  classes: number;
}

/** A triplet of glyph images [size, size, 1]: anchor and positive of one class, negative of another. */
export interface GlyphTriplet {
  anchor: tf.Tensor3D;
  positive: tf.Tensor3D;
  negative: tf.Tensor3D;
}

function checkSpec(options: TaskDataOptions, where: string): { seed: number; count: number } {
  const spec = options.data ?? 'synthetic:glyphs';
  if (spec !== 'synthetic:glyphs') {
    throw new ArgumentError(
      `${where}: data must be 'synthetic:glyphs' (classes of drawings with labels), got ${describe(spec)}`,
    );
  }
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test')
    throw new ArgumentError(`${where}: split must be 'train' or 'test', got ${describe(split)}`);
  const count = options.count ?? 2000;
  if (!Number.isSafeInteger(count) || count < 2 * DRAWINGS_PER_CLASS) {
    throw new ArgumentError(
      `${where}: count must be an integer >= ${2 * DRAWINGS_PER_CLASS} (two classes of ${DRAWINGS_PER_CLASS} drawings), got ${describe(count)}`,
    );
  }
  // The held-out split's classes come from another seed: glyphs never seen in training.
  return { seed: split === 'test' ? options.seed + TEST_SEED_OFFSET : options.seed, count };
}

/**
 * `count` glyphs of `synthetic.glyphs` (count / 10 classes of 10 drawings) stacked once,
 * in [0, 1]. The 'test' split draws its classes from another seed, so its classes are
 * new (as Omniglot's evaluation alphabets are).
 */
export async function glyphSet(options: TaskDataOptions): Promise<GlyphSet> {
  const { seed, count } = checkSpec(options, 'glyphSet');
  const classes = Math.floor(count / DRAWINGS_PER_CLASS);
  const n = classes * DRAWINGS_PER_CLASS;
  const source = synthetic.glyphs({ seed, size: options.size, count: n, classes, range: 'unit' });
  const images: tf.Tensor3D[] = [];
  const labels: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const sample = (await source.get(i))!;
      images.push(sample.image);
      labels.push(sample.label);
    }
    return { images: tf.stack(images) as tf.Tensor4D, labels, classes };
  } finally {
    tf.dispose(images);
  }
}

/**
 * Training triplets: one per glyph as the anchor, each epoch with a fresh positive (another
 * drawing of its class) and negative (a drawing of another class), drawn from (seed,
 * epoch, index). The glyphs are drawn once and kept as arrays.
 */
export async function glyphTriplets(options: TaskDataOptions): Promise<TaskData> {
  const { seed, count } = checkSpec(options, 'few-shot data');
  const set = await glyphSet(options);
  const size = options.size;
  const pixels = size * size;
  // The networks take [-1, 1].
  const flat = set.images.dataSync().map((v) => 2 * v - 1);
  set.images.dispose();
  const n = set.labels.length;
  const image = (i: number) =>
    tf.tensor3d(flat.subarray(i * pixels, (i + 1) * pixels), [size, size, 1]);
  const draws = rng(seed).fork('glyph triplets');
  const dataset = Dataset.indexed<GlyphTriplet>(n, (index, epoch) => {
    const r = draws.fork(`${epoch} ${index}`);
    const label = set.labels[index]!;
    // Drawing k of class c is glyph c + k·classes (synthetic.glyphs cycles the classes).
    const other = 1 + r.int(DRAWINGS_PER_CLASS - 1);
    const drawing = Math.floor(index / set.classes);
    const positive = label + ((drawing + other) % DRAWINGS_PER_CLASS) * set.classes;
    const negativeClass = (label + 1 + r.int(set.classes - 1)) % set.classes;
    const negative = negativeClass + r.int(DRAWINGS_PER_CLASS) * set.classes;
    return { anchor: image(index), positive: image(positive), negative: image(negative) };
  });
  return {
    dataset,
    description: {
      source: 'synthetic:glyphs',
      split: options.split ?? 'train',
      size,
      count,
      classes: set.classes,
      drawingsPerClass: DRAWINGS_PER_CLASS,
      seed,
    },
    fills: { channels: 1 },
  };
}
