import { ArgumentError, describe, tf } from '@atelier/core';
import {
  alignedFolder,
  type Dataset,
  imageFolder,
  mnist,
  type PreprocessOptions,
  singleFolder,
  synthetic,
  unalignedFolder,
} from '@atelier/datasets';
import type { Json } from '../trainer/harness.js';
import { preprocessFields } from './preprocess-pairs.js';

export const HARNESS_NAMES = ['gan', 'cgan', 'pix2pix', 'cyclegan'] as const;
export type HarnessName = (typeof HARNESS_NAMES)[number];

export interface HarnessDataOptions extends PreprocessOptions {
  /**
   * 'synthetic:<set>' (the default is each harness's: gan and cgan 'synthetic:shapes',
   * pix2pix 'synthetic:facades', cyclegan 'synthetic:seasons'), or a folder: pix2pix an
   * aligned dataset (side-by-side pairs; `<dir>/train` is used when present), cyclegan an
   * unaligned one (trainA/, trainB/), gan and cgan MNIST's IDX files, a folder of class
   * folders (cgan), or any folder of images (gan).
   */
  data?: string;
  /** 'train' (default) or 'test': a synthetic test split is drawn from another seed. */
  split?: 'train' | 'test';
  /** Image side the networks see (the crop size). */
  size: number;
  /** Synthetic samples (defaults: facades 400, as the real facades train split; shapes 2000; seasons 400). */
  count?: number;
  /** Seeds synthetic data and random crops and flips (default 0). */
  seed?: number;
}

export interface HarnessData {
  dataset: Dataset<unknown>;
  /** For config.json. */
  description: Json;
  /** Channels of the batch's image fields (A, B, or image). */
  channels: Record<string, number>;
  /** Class names, for cgan. */
  classNames?: string[];
}

const DEFAULT_DATA: Record<HarnessName, string> = {
  gan: 'synthetic:shapes',
  cgan: 'synthetic:shapes',
  pix2pix: 'synthetic:facades',
  cyclegan: 'synthetic:seasons',
};

/** The synthetic sets each harness can train on, and the fields they give it. */
const SYNTHETIC: Record<HarnessName, string[]> = {
  gan: ['shapes', 'glyphs', 'textures'],
  cgan: ['shapes', 'glyphs', 'textures'],
  pix2pix: ['facades', 'shapes', 'sketches'],
  cyclegan: ['seasons'],
};

/** A synthetic test split: the same generator under another seed. */
const TEST_SEED_OFFSET = 1_000_003;

function pick<T>(dataset: Dataset<T>, map: (s: T) => Record<string, unknown>): Dataset<unknown> {
  return dataset.map((s) => map(s) as tf.TensorContainer) as Dataset<unknown>;
}

/**
 * The data a harness trains on: synthetic sets (seeded, rendered on demand) or folders
 * in the layouts of the reference implementations, with junyanz's preprocessing
 * (resize to loadSize, random crop to `size`, random flip) for pix2pix and CycleGAN.
 */
export async function harnessData(
  harness: HarnessName,
  options: HarnessDataOptions,
): Promise<HarnessData> {
  const where = `${harness} data`;
  if (!(HARNESS_NAMES as readonly string[]).includes(harness)) {
    throw new ArgumentError(
      `harnessData: harness must be one of ${HARNESS_NAMES.join(', ')}, got ${describe(harness)}`,
    );
  }
  const spec = options.data ?? DEFAULT_DATA[harness];
  if (typeof spec !== 'string' || spec === '')
    throw new ArgumentError(
      `${where}: data must be 'synthetic:<set>' or a folder, got ${describe(spec)}`,
    );
  const size = options.size;
  if (!Number.isSafeInteger(size) || size < 16)
    throw new ArgumentError(`${where}: size must be an integer >= 16, got ${describe(size)}`);
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test')
    throw new ArgumentError(`${where}: split must be 'train' or 'test', got ${describe(split)}`);
  const seed = options.seed ?? 0;
  const test = split === 'test';
  // junyanz's resize_and_crop at this scale: 286 -> 256 becomes round(size * 286 / 256) -> size.
  const preprocess: PreprocessOptions = {
    preprocess: options.preprocess ?? (test ? 'none' : 'resize_and_crop'),
    loadSize: options.loadSize ?? Math.round((size * 286) / 256),
    cropSize: options.cropSize ?? size,
    flip: options.flip ?? !test,
    ...(options.interpolation ? { interpolation: options.interpolation } : {}),
  };

  if (spec.startsWith('synthetic:')) {
    const name = spec.slice('synthetic:'.length);
    if (!SYNTHETIC[harness].includes(name)) {
      throw new ArgumentError(
        `${where}: no synthetic set '${name}' for ${harness}; choose one of ${SYNTHETIC[harness].map((s) => `synthetic:${s}`).join(', ')}`,
      );
    }
    const counts: Record<string, number> = {
      facades: 400,
      shapes: 2000,
      seasons: 400,
      sketches: 400,
      glyphs: 2000,
      textures: 1000,
    };
    const count = options.count ?? counts[name]!;
    const base = { seed: test ? seed + TEST_SEED_OFFSET : seed, size, count };
    const description = {
      source: spec,
      split,
      size,
      count,
      seed: base.seed,
      preprocess: preprocess as Json,
    };
    if (harness === 'pix2pix' || harness === 'cyclegan') {
      let dataset: Dataset<Record<string, unknown>>;
      let channels: Record<string, number>;
      if (name === 'facades') {
        dataset = pick(synthetic.facades(base), (s) => ({ A: s.A, B: s.B })) as Dataset<
          Record<string, unknown>
        >;
        channels = { A: 3, B: 3 };
      } else if (name === 'shapes') {
        dataset = pick(synthetic.shapes(base), (s) => ({ A: s.edges, B: s.image })) as Dataset<
          Record<string, unknown>
        >;
        channels = { A: 1, B: 3 };
      } else if (name === 'sketches') {
        dataset = synthetic.sketches(base) as unknown as Dataset<Record<string, unknown>>;
        channels = { A: 1, B: 1 };
      } else {
        dataset = synthetic.seasons(base) as unknown as Dataset<Record<string, unknown>>;
        channels = { A: 3, B: 3 };
      }
      const prepared = preprocessFields(dataset, ['A', 'B'], {
        ...preprocess,
        shared: harness === 'pix2pix',
        seed,
      });
      return { dataset: prepared as Dataset<unknown>, description, channels };
    }
    if (name === 'shapes') {
      // One object an image: the label then describes the whole image.
      const shapes = synthetic.shapes({ ...base, twoObjectChance: 0 });
      const dataset = pick(shapes, (s) => ({ image: s.image, label: s.label }));
      return {
        dataset,
        description,
        channels: { image: 3 },
        classNames: [...synthetic.SHAPE_CLASSES],
      };
    }
    if (name === 'glyphs') {
      const dataset = pick(synthetic.glyphs(base), (s) => ({ image: s.image, label: s.label }));
      return { dataset, description, channels: { image: 1 } };
    }
    const dataset = pick(synthetic.textures(base), (s) => ({ image: s.image, label: s.kind }));
    return {
      dataset,
      description,
      channels: { image: 3 },
      classNames: [...synthetic.TEXTURE_KINDS],
    };
  }

  // A folder.
  const { stat } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  if (!(await isDir(spec)))
    throw new ArgumentError(`${where}: ${spec} is not a folder (nor synthetic:<set>)`);
  const description = { source: spec, split, size, preprocess: preprocess as Json };
  const source = { ...preprocess, seed, range: 'signed' as const };
  if (harness === 'pix2pix') {
    const dir = (await isDir(join(spec, split))) ? join(spec, split) : spec;
    const dataset = await alignedFolder({ ...source, dir });
    return {
      dataset: dataset as Dataset<unknown>,
      description: { ...description, dir },
      channels: { A: 3, B: 3 },
    };
  }
  if (harness === 'cyclegan') {
    if (!(await isDir(join(spec, `${split}A`))) || !(await isDir(join(spec, `${split}B`)))) {
      throw new ArgumentError(
        `${where}: ${spec} must hold ${split}A/ and ${split}B/ (CycleGAN's layout)`,
      );
    }
    const dataset = await unalignedFolder({ ...source, root: spec, phase: split });
    return { dataset: dataset as Dataset<unknown>, description, channels: { A: 3, B: 3 } };
  }
  const { readdir } = await import('node:fs/promises');
  const names = await readdir(spec);
  if (names.some((n) => /^(train|t10k)[-.]images[-.]idx3[-.]ubyte(\.gz)?$/.test(n))) {
    const set = await mnist({ dir: spec, split });
    // 28x28 digits padded to the DCGAN's 32x32 with the background value.
    if (size !== 32)
      throw new ArgumentError(
        `${where}: MNIST trains at size 32 (28 padded by 2), got size ${size}`,
      );
    const dataset = set.map((s) => ({
      image: tf.pad(
        s.image,
        [
          [2, 2],
          [2, 2],
          [0, 0],
        ],
        -1,
      ),
      label: s.label,
    }));
    return {
      dataset: dataset as Dataset<unknown>,
      description: { ...description, format: 'mnist-idx' },
      channels: { image: 1 },
      classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    };
  }
  const folderSource = {
    ...source,
    preprocess: options.preprocess ?? ('resize' as const),
    loadSize: size,
    cropSize: size,
  };
  if (harness === 'cgan') {
    const dataset = await imageFolder({ ...folderSource, dir: spec });
    return {
      dataset: dataset as Dataset<unknown>,
      description,
      channels: { image: 3 },
      classNames: dataset.classes,
    };
  }
  const dataset = await singleFolder({ ...folderSource, dir: spec });
  return {
    dataset: pick(dataset, (s) => ({ image: s.image })),
    description,
    channels: { image: 3 },
  };
}
