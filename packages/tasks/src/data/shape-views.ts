import { ArgumentError, describe, tf } from '@atelier/core';
import { synthetic } from '@atelier/datasets';
import type { TaskData, TaskDataOptions } from '../task.js';
import { TEST_SEED_OFFSET } from './image-sets.js';
import { paramVector } from './shape-params.js';

/** One object in three representations: its edge sketch, its rendering and its parameters. */
export interface ShapeViews {
  /** Edges, black on white, [S, S, 1] in [-1, 1]. */
  sketch: tf.Tensor3D;
  /** The shaded rendering [S, S, 3] in [-1, 1]. */
  image: tf.Tensor3D;
  /** The parameter vector [13] (`paramVector`). */
  params: tf.Tensor1D;
}

/**
 * Single-object `synthetic.shapes` as three views of each object (sketch, image,
 * parameters). The 'test' split draws other objects from another seed.
 */
export async function shapeViews(options: TaskDataOptions): Promise<TaskData> {
  const where = 'shared-space data';
  const spec = options.data ?? 'synthetic:shapes';
  if (spec !== 'synthetic:shapes') {
    throw new ArgumentError(
      `${where}: data must be 'synthetic:shapes' (objects with sketches, renderings and parameters), got ${describe(spec)}`,
    );
  }
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test')
    throw new ArgumentError(`${where}: split must be 'train' or 'test', got ${describe(split)}`);
  const count = options.count ?? 2000;
  const seed = split === 'test' ? options.seed + TEST_SEED_OFFSET : options.seed;
  const source = synthetic.shapes({
    seed,
    size: options.size,
    count,
    range: 'signed',
    twoObjectChance: 0,
  });
  const dataset = source.map(
    (s): ShapeViews => ({
      sketch: s.edges,
      image: s.image,
      params: tf.tensor1d(
        paramVector({ kind: s.label, colour: s.colour, x: s.x, y: s.y, radius: s.radius }),
      ),
    }),
  );
  return {
    dataset,
    description: { source: spec, split, size: options.size, count, seed, objects: 1 },
    fills: {},
  };
}

/** The first `count` samples of views stacked by field (held-out sets). */
export async function stackViews(
  dataset: TaskData['dataset'],
  count = dataset.size ?? 0,
): Promise<{ sketch: tf.Tensor4D; image: tf.Tensor4D; params: tf.Tensor2D }> {
  const items: ShapeViews[] = [];
  try {
    for (let i = 0; i < count; i++) items.push((await dataset.get(i)) as ShapeViews);
    return {
      sketch: tf.stack(items.map((v) => v.sketch)) as tf.Tensor4D,
      image: tf.stack(items.map((v) => v.image)) as tf.Tensor4D,
      params: tf.stack(items.map((v) => v.params)) as tf.Tensor2D,
    };
  } finally {
    for (const v of items) tf.dispose([v.sketch, v.image, v.params]);
  }
}
