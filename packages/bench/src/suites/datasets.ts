import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeJpeg, tf } from '@atelier/core';
import { alignedFolder, closeWorkers, synthetic } from '@atelier/datasets';
import type { BenchCase, BenchResult, CaseStep, Suite } from '../types.js';

/** Images in the folder (one epoch is one timed run) and the batch size. */
const IMAGES = 96;
const BATCH = 4;
const WORKERS = 2;
/** Batches in flight: PyTorch's DataLoader keeps prefetch_factor (2) per worker. */
const PREFETCH = 2 * WORKERS;

/**
 * The folder both sides read: synthetic facades (label map | photo) as 512×256 JPEGs of
 * quality 90, pix2pix's aligned layout, under a `train/` class folder so torchvision's
 * ImageFolder reads it as is. Written once per machine and reused.
 */
export const DATASETS_ROOT = join(tmpdir(), 'atelier-bench-datasets', `facades-${IMAGES}`);
const TRAIN = join(DATASETS_ROOT, 'train');

async function prepareFolder(): Promise<void> {
  if (existsSync(TRAIN) && readdirSync(TRAIN).filter((f) => f.endsWith('.jpg')).length === IMAGES)
    return;
  const staging = `${DATASETS_ROOT}.tmp-${process.pid}`;
  mkdirSync(join(staging, 'train'), { recursive: true });
  const facades = synthetic.facades({ seed: 1, size: 256, count: IMAGES, range: 'byte' });
  for (let i = 0; i < IMAGES; i++) {
    const { A, B, labels } = (await facades.get(i))!;
    const pair = tf.concat([A, B], 1) as tf.Tensor3D;
    writeFileSync(
      join(staging, 'train', `${String(i).padStart(4, '0')}.jpg`),
      await encodeJpeg(pair, { quality: 90 }),
    );
    tf.dispose([A, B, labels, pair]);
  }
  mkdirSync(dirname(DATASETS_ROOT), { recursive: true });
  if (!existsSync(TRAIN)) renameSync(staging, DATASETS_ROOT);
}

/** What both sides do per sample: junyanz's AlignedDataset with --preprocess resize_and_crop. */
const REFERENCE = {
  root: DATASETS_ROOT,
  images: IMAGES,
  batch: BATCH,
  workers: WORKERS,
  loadSize: 286,
  cropSize: 256,
};

function alignedCase(cache: boolean, decoder: 'auto' | 'js' = 'auto'): BenchCase {
  const how =
    decoder === 'js'
      ? ', every file read and decoded each epoch by jpeg-js (decoder: js)'
      : cache
        ? ', decoded files cached in memory by the first epoch (PyTorch decodes every epoch)'
        : ', every file read and decoded each epoch (the default decoder: libjpeg-turbo through sharp, as PIL)';
  return {
    name: decoder === 'js' ? 'aligned-jpeg/js' : cache ? 'aligned-jpeg/cached' : 'aligned-jpeg',
    description: `an epoch of ${IMAGES} aligned 512×256 JPEGs: split A and B halves, resize_and_crop 286 → 256 and flip (shared by A and B), batches of ${BATCH}, ${WORKERS} decode workers, ${PREFETCH} batches prefetched${how}; PyTorch: ImageFolder + DataLoader (${WORKERS} workers, prefetch_factor 2) with the same transform`,
    reference: REFERENCE,
    async setup(): Promise<CaseStep> {
      await prepareFolder();
      const source = await alignedFolder({
        dir: TRAIN,
        workers: WORKERS,
        cache,
        seed: 1,
        decoder,
      });
      const epochs = source.shuffle(1).batch(BATCH).prefetch(PREFETCH);
      return {
        async run() {
          let images = 0;
          for await (const batch of epochs) images += batch.A.shape[0]!;
          if (images !== IMAGES)
            throw new Error(`an epoch gave ${images} images, expected ${IMAGES}`);
          return tf.scalar(images);
        },
        dispose: () => void closeWorkers(),
      };
    },
  };
}

function imagesPerSecond(ms: number): number {
  return (IMAGES * 1000) / ms;
}

export const datasetsSuite: Suite = {
  name: 'datasets',
  description: `Input pipeline throughput of @atelier/datasets (images per second = ${IMAGES} / epoch time) beside torchvision's ImageFolder + DataLoader on the same files in the same run.`,
  cases: [alignedCase(false), alignedCase(false, 'js'), alignedCase(true)],
  python: 'datasets.py',
  prepare: prepareFolder,
  // One run is a whole epoch: few runs, a larger budget.
  protocol: {
    cpu: { warmup: 1, runs: 3, budgetMs: 120_000 },
    wasm: { warmup: 1, runs: 3, budgetMs: 120_000 },
    webgpu: { warmup: 1, runs: 3, budgetMs: 120_000 },
    reference: { warmup: 1, runs: 3, budgetMs: 120_000 },
  },
  notes(results: BenchResult[]): string[] {
    return results
      .filter((r) => r.ms !== null)
      .map((r) => {
        const ours = imagesPerSecond(r.ms!);
        const theirs = r.referenceMs !== null ? imagesPerSecond(r.referenceMs) : null;
        const vs =
          theirs !== null
            ? `, PyTorch ${theirs.toFixed(1)} images/s: ${(ours / theirs).toFixed(2)}× its throughput`
            : '';
        return `${r.case} on ${r.backend}: ${ours.toFixed(1)} images/s${vs}`;
      });
  },
};
