import { ArgumentError, describe, type tf } from '@atelier/core';
import { type Dataset, type ImageRange, singleFolder, synthetic } from '@atelier/datasets';
import type { TaskData, TaskDataOptions } from '../task.js';

/** The synthetic sets that give plain images, and the field each image comes from. */
export const IMAGE_SETS = ['shapes', 'textures', 'glyphs', 'facades', 'sketches'] as const;
export type ImageSet = (typeof IMAGE_SETS)[number];

const CHANNELS: Record<ImageSet, number> = {
  shapes: 3,
  textures: 3,
  glyphs: 1,
  facades: 3,
  sketches: 1,
};

/** A synthetic held-out split: the same generator under another seed. */
export const TEST_SEED_OFFSET = 1_000_003;

function syntheticImages(
  name: ImageSet,
  base: { seed: number; size: number; count: number; range: ImageRange },
): Dataset<{ image: tf.Tensor3D }> {
  switch (name) {
    case 'shapes':
      return synthetic.shapes(base).map((s) => ({ image: s.image }));
    case 'textures':
      return synthetic.textures(base).map((s) => ({ image: s.image }));
    case 'glyphs':
      return synthetic.glyphs(base).map((s) => ({ image: s.image }));
    case 'facades':
      return synthetic.facades(base).map((s) => ({ image: s.B }));
    case 'sketches':
      return synthetic.sketches(base).map((s) => ({ image: s.B }));
  }
}

/**
 * Samples `{ image }` for the tasks that take any image set: a synthetic set
 * ('synthetic:shapes', ...; the test split drawn from another seed) or a folder of
 * images resized to `size` (the test split from `<folder>/test`, training from
 * `<folder>/train` when it exists). `fills.channels` says how many channels came.
 */
export async function imageSet(
  options: TaskDataOptions & { range: ImageRange; where: string; defaultData: string },
): Promise<TaskData> {
  const { where, size, seed, range } = options;
  const spec = options.data ?? options.defaultData;
  if (typeof spec !== 'string' || spec === '') {
    throw new ArgumentError(
      `${where}: data must be 'synthetic:<set>' or a folder, got ${describe(spec)}`,
    );
  }
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test')
    throw new ArgumentError(`${where}: split must be 'train' or 'test', got ${describe(split)}`);
  if (spec.startsWith('synthetic:')) {
    const name = spec.slice('synthetic:'.length) as ImageSet;
    if (!IMAGE_SETS.includes(name)) {
      throw new ArgumentError(
        `${where}: no synthetic image set '${name}'; choose one of ${IMAGE_SETS.map((s) => `synthetic:${s}`).join(', ')}`,
      );
    }
    const count = options.count ?? 1000;
    const base = { seed: split === 'test' ? seed + TEST_SEED_OFFSET : seed, size, count, range };
    return {
      dataset: syntheticImages(name, base),
      description: { source: spec, split, size, count, seed: base.seed, range },
      fills: { channels: CHANNELS[name] },
    };
  }
  const { stat } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  if (!(await isDir(spec)))
    throw new ArgumentError(`${where}: ${spec} is not a folder (nor synthetic:<set>)`);
  let dir = spec;
  if (split === 'test') {
    dir = join(spec, 'test');
    if (!(await isDir(dir)))
      throw new ArgumentError(`${where}: a held-out split of ${spec} needs ${dir}/`);
  } else if (await isDir(join(spec, 'train'))) {
    dir = join(spec, 'train');
  }
  const images = await singleFolder({
    dir,
    range,
    preprocess: 'resize',
    loadSize: size,
    cropSize: size,
    channels: 3,
  });
  return {
    dataset: images.map((s) => ({ image: s.image })),
    description: { source: spec, dir, split, size, range },
    fills: { channels: 3 },
  };
}
