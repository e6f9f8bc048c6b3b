import { ArgumentError, tf } from '@atelier/core';
import {
  alignedFolder,
  type Dataset,
  imageFolder,
  mnist,
  singleFolder,
  unalignedFolder,
} from '@atelier/datasets';
import type { FolderContext, FolderLayout, HarnessData } from '../harnesses/descriptor.js';

async function isDir(path: string): Promise<boolean> {
  const { stat } = await import('node:fs/promises');
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

function source(c: FolderContext) {
  return { ...c.preprocess, seed: c.seed, range: 'signed' as const };
}

/** pix2pix's aligned layout: side-by-side A|B images; `<dir>/<split>` is used when present. */
export const alignedLayout: FolderLayout = {
  describe: 'side-by-side A|B images (pix2pix: <dir>/train or <dir>)',
  async load(c) {
    const { join } = await import('node:path');
    const dir = (await isDir(join(c.dir, c.split))) ? join(c.dir, c.split) : c.dir;
    const dataset = await alignedFolder({ ...source(c), dir });
    return {
      dataset: dataset as Dataset<unknown>,
      description: { ...c.description, dir },
      channels: { A: 3, B: 3 },
    };
  },
};

/** CycleGAN's unaligned layout: trainA/ and trainB/ (testA/, testB/). */
export const unalignedLayout: FolderLayout = {
  describe: 'trainA/ and trainB/ (CycleGAN)',
  async load(c) {
    const { join } = await import('node:path');
    if (!(await isDir(join(c.dir, `${c.split}A`))) || !(await isDir(join(c.dir, `${c.split}B`)))) {
      throw new ArgumentError(
        `${c.where}: ${c.dir} must hold ${c.split}A/ and ${c.split}B/ (CycleGAN's layout)`,
      );
    }
    const dataset = await unalignedFolder({ ...source(c), root: c.dir, phase: c.split });
    return {
      dataset: dataset as Dataset<unknown>,
      description: c.description,
      channels: { A: 3, B: 3 },
    };
  },
};

/** MNIST's IDX files, when the folder holds them, padded from 28 to the DCGAN's 32. */
async function mnistFolder(c: FolderContext): Promise<HarnessData | undefined> {
  const { readdir } = await import('node:fs/promises');
  const names = await readdir(c.dir);
  if (!names.some((n) => /^(train|t10k)[-.]images[-.]idx3[-.]ubyte(\.gz)?$/.test(n))) return;
  const set = await mnist({ dir: c.dir, split: c.split });
  if (c.size !== 32)
    throw new ArgumentError(
      `${c.where}: MNIST trains at size 32 (28 padded by 2), got size ${c.size}`,
    );
  const pad: [number, number][] = [
    [2, 2],
    [2, 2],
    [0, 0],
  ];
  // The background value fills the border.
  const dataset = set.map((s) => ({ image: tf.pad(s.image, pad, -1), label: s.label }));
  return {
    dataset: dataset as Dataset<unknown>,
    description: { ...c.description, format: 'mnist-idx' },
    channels: { image: 1 },
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
  };
}

/** Images resized to the networks' size (no crop): unconditional and class data. */
function resized(c: FolderContext) {
  return {
    ...source(c),
    preprocess: c.requested ?? ('resize' as const),
    loadSize: c.size,
    cropSize: c.size,
  };
}

/** MNIST's IDX files, or any folder of images (unlabelled). */
export const imagesLayout: FolderLayout = {
  describe: "MNIST's IDX files or a folder of images",
  async load(c) {
    const digits = await mnistFolder(c);
    if (digits) return digits;
    const dataset = await singleFolder({ ...resized(c), dir: c.dir });
    return {
      dataset: dataset.map((s) => ({ image: s.image })) as Dataset<unknown>,
      description: c.description,
      channels: { image: 3 },
    };
  },
};

/** MNIST's IDX files, or a folder of class folders (torchvision's ImageFolder). */
export const classFoldersLayout: FolderLayout = {
  describe: "MNIST's IDX files or a folder of class folders",
  async load(c) {
    const digits = await mnistFolder(c);
    if (digits) return digits;
    const dataset = await imageFolder({ ...resized(c), dir: c.dir });
    return {
      dataset: dataset as Dataset<unknown>,
      description: c.description,
      channels: { image: 3 },
      classNames: dataset.classes,
    };
  },
};
