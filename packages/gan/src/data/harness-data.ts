import { ArgumentError, checkInt, checkOneOf, describe } from '@atelier/core';
import type { PreprocessOptions } from '@atelier/datasets';
import type { HarnessData, HarnessDescriptor } from '../harnesses/descriptor.js';
import { HARNESS_NAMES, type HarnessName, harnessDescriptor } from '../harnesses/table.js';
import type { Json } from '../trainer/harness.js';
import { preprocessFields } from './preprocess-pairs.js';

export type { HarnessData } from '../harnesses/descriptor.js';

export interface HarnessDataOptions extends PreprocessOptions {
  /**
   * 'synthetic:<set>' (the default is each harness's: gan and cgan 'synthetic:shapes',
   * pix2pix and bicyclegan 'synthetic:facades', cyclegan 'synthetic:seasons'), or a
   * folder in the layout the harness takes: pix2pix and bicyclegan an aligned dataset
   * (side-by-side pairs; `<dir>/train` is used when present), cyclegan an unaligned one
   * (trainA/, trainB/), gan and cgan MNIST's IDX files, a folder of class folders
   * (cgan), or any folder of images (gan).
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

/** A synthetic test split: the same generator under another seed. */
const TEST_SEED_OFFSET = 1_000_003;

interface Resolved {
  spec: string;
  size: number;
  split: 'train' | 'test';
  seed: number;
  preprocess: PreprocessOptions;
}

function resolveDataOptions(
  d: HarnessDescriptor,
  options: HarnessDataOptions,
  where: string,
): Resolved {
  const spec = options.data ?? d.data.default;
  if (typeof spec !== 'string' || spec === '')
    throw new ArgumentError(
      `${where}: data must be 'synthetic:<set>' or a folder, got ${describe(spec)}`,
    );
  const size = checkInt(where, 'size', options.size, { min: 16 });
  const split = checkOneOf(where, 'split', options.split ?? 'train', ['train', 'test'] as const);
  const test = split === 'test';
  // junyanz's resize_and_crop at this scale: 286 -> 256 becomes round(size * 286 / 256) -> size.
  const preprocess: PreprocessOptions = {
    preprocess: options.preprocess ?? (test ? 'none' : 'resize_and_crop'),
    loadSize: options.loadSize ?? Math.round((size * 286) / 256),
    cropSize: options.cropSize ?? size,
    flip: options.flip ?? !test,
    ...(options.interpolation ? { interpolation: options.interpolation } : {}),
  };
  return { spec, size, split, seed: options.seed ?? 0, preprocess };
}

function syntheticData(
  d: HarnessDescriptor,
  r: Resolved,
  options: HarnessDataOptions,
  where: string,
): HarnessData {
  const name = r.spec.slice('synthetic:'.length);
  const source = Object.hasOwn(d.data.synthetic, name) ? d.data.synthetic[name] : undefined;
  if (!source) {
    throw new ArgumentError(
      `${where}: no synthetic set '${name}' for ${d.name}; choose one of ${Object.keys(
        d.data.synthetic,
      )
        .map((s) => `synthetic:${s}`)
        .join(', ')}`,
    );
  }
  const count = options.count ?? source.count;
  const base = {
    seed: r.split === 'test' ? r.seed + TEST_SEED_OFFSET : r.seed,
    size: r.size,
    count,
  };
  const description = {
    source: r.spec,
    split: r.split,
    size: r.size,
    count,
    seed: base.seed,
    preprocess: r.preprocess as Json,
  };
  const loaded = source.load(base);
  if (!d.data.pairPreprocess) return { ...loaded, description };
  const dataset = preprocessFields(loaded.dataset as never, ['A', 'B'], {
    ...r.preprocess,
    shared: d.data.pairPreprocess === 'shared',
    seed: r.seed,
  });
  return { ...loaded, dataset, description };
}

/**
 * The data a harness trains on: synthetic sets (seeded, rendered on demand) or folders
 * in the layouts of the reference implementations, with junyanz's preprocessing
 * (resize to loadSize, random crop to `size`, random flip) for the paired harnesses.
 * Which sets and layouts a harness takes is its descriptor's (harnesses/table.ts).
 */
export async function harnessData(
  harness: HarnessName,
  options: HarnessDataOptions,
): Promise<HarnessData> {
  checkOneOf('harnessData', 'harness', harness, HARNESS_NAMES);
  const d = harnessDescriptor(harness);
  const where = `${harness} data`;
  const r = resolveDataOptions(d, options, where);
  if (r.spec.startsWith('synthetic:')) return syntheticData(d, r, options, where);
  const { stat } = await import('node:fs/promises');
  if (!(await stat(r.spec).catch(() => undefined))?.isDirectory())
    throw new ArgumentError(`${where}: ${r.spec} is not a folder (nor synthetic:<set>)`);
  return d.data.folder.load({
    dir: r.spec,
    split: r.split,
    size: r.size,
    seed: r.seed,
    preprocess: r.preprocess,
    requested: options.preprocess,
    description: { source: r.spec, split: r.split, size: r.size, preprocess: r.preprocess as Json },
    where,
  });
}
