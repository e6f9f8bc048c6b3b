import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtelierError, init, tf } from '@atelier/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cifar10, mnist, readFlo } from '../src/index.js';
import { hostileDataFiles, idxBytes } from './helpers/hostile-data.js';

let root: string;

beforeAll(async () => {
  await init({ backend: 'cpu' });
  root = mkdtempSync(join(tmpdir(), 'atelier-hostile-data-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Puts the file where its reader looks and reads it; returns the file's path and the outcome. */
async function readHostile(file: ReturnType<typeof hostileDataFiles>[number]) {
  const dir = join(root, file.name);
  mkdirSync(dir);
  let path: string;
  let read: () => Promise<unknown>;
  if (file.kind === 'mnist-images') {
    path = join(dir, `train-images-idx3-ubyte${file.name.endsWith('.gz') ? '.gz' : ''}`);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes([2], 2));
    read = () => mnist({ dir });
  } else if (file.kind === 'cifar-test') {
    path = join(dir, 'test_batch.bin');
    read = () => cifar10({ dir, split: 'test' });
  } else {
    path = join(dir, file.name);
    read = async () => (await readFlo(path)).dispose();
  }
  writeFileSync(path, file.bytes);
  const before = process.memoryUsage().arrayBuffers;
  const start = performance.now();
  const error = await read().then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  return {
    path,
    error,
    ms: performance.now() - start,
    grew: process.memoryUsage().arrayBuffers - before,
  };
}

describe('hostile data files', () => {
  const corpus = hostileDataFiles();

  it('holds the cases the probe found, and more', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(25);
    expect(new Set(corpus.map((f) => f.name)).size).toBe(corpus.length);
  });

  for (const file of corpus) {
    it(`${file.name}: a one-line typed error naming the file, quickly and in little memory`, async () => {
      const { path, error, ms, grew } = await readHostile(file);
      expect(error).toBeInstanceOf(AtelierError);
      expect(error!.message).toContain(path);
      expect(error!.message).not.toContain('\n');
      expect(error!.message).toMatch(file.error);
      expect(ms).toBeLessThan(1500);
      expect(grew).toBeLessThan(64 * 2 ** 20);
      expect(tf.memory().numTensors).toBe(0);
    });
  }
});
