import { ArgumentError, describe, type tf } from '@atelier/core';
import { alignedFolder, Dataset, singleFolder, synthetic } from '@atelier/datasets';
import type { TaskData, TaskDataOptions } from '../task.js';
import { TEST_SEED_OFFSET } from './image-sets.js';

/** Seeds of the synthetic unpaired sets, away from the pairs' and the held-out split's. */
const UNPAIRED_ROUGH = 7_000_001;
const UNPAIRED_CLEAN = 9_000_011;

/** Sub-folders of a sketch folder: two parallel folders of pairs, and the unpaired sets. */
export const SKETCH_FOLDERS = {
  rough: 'rough',
  clean: 'clean',
  unpairedRough: 'unpaired-rough',
  unpairedClean: 'unpaired-clean',
} as const;

/**
 * Pairs `{ A: rough, B: clean }` and, when there are any, unpaired `{ roughU, cleanU }`
 * cycled to the longest of the three sets (every sample of each is seen each epoch).
 */
function withUnpaired(
  pairs: Dataset<{ A: tf.Tensor3D; B: tf.Tensor3D }>,
  rough: Dataset<{ image: tf.Tensor3D }> | undefined,
  clean: Dataset<{ image: tf.Tensor3D }> | undefined,
): Dataset<unknown> {
  const n = pairs.size ?? 0;
  if (!rough || !clean) return pairs.map((p) => ({ A: p.A, B: p.B })) as Dataset<unknown>;
  const size = Math.max(n, rough.size ?? 0, clean.size ?? 0);
  return Dataset.indexed(size, async (i, epoch) => {
    const [p, r, c] = await Promise.all([
      pairs.get(i % n, epoch),
      rough.get(i % rough.size!, epoch),
      clean.get(i % clean.size!, epoch),
    ]);
    return { A: p!.A, B: p!.B, roughU: r!.image, cleanU: c!.image };
  }) as Dataset<unknown>;
}

/** `synthetic:sketches`: pairs, and (training split) four times as many unpaired sketches. */
function syntheticSketches(options: TaskDataOptions, spec: string): TaskData {
  const split = options.split ?? 'train';
  const { size, seed } = options;
  const count = options.count ?? 64;
  const base = { size, range: 'unit' as const };
  const pairSeed = split === 'test' ? seed + TEST_SEED_OFFSET : seed;
  const pairs = synthetic.sketches({ ...base, count, seed: pairSeed });
  if (split === 'test') {
    return {
      dataset: pairs as unknown as Dataset<unknown>,
      description: { source: spec, split, size, count, seed: pairSeed },
      fills: {},
    };
  }
  // Unpaired data is plentiful (the paper's point): four times the pairs, drawn from
  // other seeds, so no pair of theirs is ever seen; each keeps only its one side (map
  // disposes the other).
  const unpaired = count * 4;
  const side = (offset: number, keep: 'A' | 'B') =>
    synthetic
      .sketches({ ...base, count: unpaired, seed: seed + offset })
      .map((s) => ({ image: s[keep] }));
  return {
    dataset: withUnpaired(pairs, side(UNPAIRED_ROUGH, 'A'), side(UNPAIRED_CLEAN, 'B')),
    description: { source: spec, split, size, pairs: count, unpaired, seed },
    fills: {},
  };
}

async function isDir(path: string): Promise<boolean> {
  const { stat } = await import('node:fs/promises');
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * A folder of rough -> clean pairs, grey, resized to `size`: `<dir>/<split>/` when it
 * exists (the held-out split needs `<dir>/test/`), holding either `rough/` and `clean/`
 * (files paired by name) or side-by-side rough|clean images (pix2pix's aligned
 * layout); `unpaired-rough/` and `unpaired-clean/` beside them add unpaired sketches.
 */
async function sketchFolder(options: TaskDataOptions, dir: string, where: string) {
  const { join } = await import('node:path');
  const split = options.split ?? 'train';
  let root = dir;
  if (await isDir(join(dir, split))) root = join(dir, split);
  else if (split === 'test')
    throw new ArgumentError(`${where}: a held-out split of ${dir} needs ${join(dir, 'test')}/`);
  const source = {
    range: 'unit' as const,
    channels: 1 as const,
    preprocess: 'resize' as const,
    loadSize: options.size,
    cropSize: options.size,
    flip: false,
    seed: options.seed,
  };
  const roughDir = join(root, SKETCH_FOLDERS.rough);
  const cleanDir = join(root, SKETCH_FOLDERS.clean);
  const twoFolders = (await isDir(roughDir)) && (await isDir(cleanDir));
  const pairs = twoFolders
    ? await alignedFolder({ ...source, dirA: roughDir, dirB: cleanDir })
    : await alignedFolder({ ...source, dir: root });
  const unpaired = async (name: string) =>
    split === 'train' && (await isDir(join(root, name)))
      ? await singleFolder({ ...source, dir: join(root, name) })
      : undefined;
  const rough = await unpaired(SKETCH_FOLDERS.unpairedRough);
  const clean = await unpaired(SKETCH_FOLDERS.unpairedClean);
  if ((rough === undefined) !== (clean === undefined)) {
    throw new ArgumentError(
      `${where}: unpaired training needs both ${SKETCH_FOLDERS.unpairedRough}/ and ${SKETCH_FOLDERS.unpairedClean}/ in ${root}, got one`,
    );
  }
  return {
    dataset: withUnpaired(pairs, rough, clean),
    description: {
      source: dir,
      dir: root,
      layout: twoFolders ? 'rough/ + clean/' : 'side-by-side rough|clean',
      split,
      size: options.size,
      pairs: pairs.size ?? 0,
      unpaired: rough ? { rough: rough.size ?? 0, clean: clean!.size ?? 0 } : null,
    },
    fills: {},
  };
}

/**
 * The simplification task's data: `synthetic:sketches` (the embedded default) or a
 * folder of rough/clean pairs. Samples `{ A, B }` (rough, clean) [size, size, 1] in
 * [0, 1], plus `{ roughU, cleanU }` where unpaired sketches exist (training split).
 */
export async function sketchData(options: TaskDataOptions): Promise<TaskData> {
  const where = 'simplify data';
  const spec = options.data ?? 'synthetic:sketches';
  if (typeof spec !== 'string' || spec === '')
    throw new ArgumentError(
      `${where}: data must be 'synthetic:sketches' or a folder, got ${describe(spec)}`,
    );
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test')
    throw new ArgumentError(`${where}: split must be 'train' or 'test', got ${describe(split)}`);
  if (spec === 'synthetic:sketches') return syntheticSketches(options, spec);
  if (spec.startsWith('synthetic:'))
    throw new ArgumentError(
      `${where}: simplify trains on rough -> clean pairs: 'synthetic:sketches' or a folder; got ${describe(spec)}`,
    );
  if (!(await isDir(spec)))
    throw new ArgumentError(`${where}: ${spec} is not a folder (nor synthetic:sketches)`);
  return sketchFolder(options, spec, where);
}
