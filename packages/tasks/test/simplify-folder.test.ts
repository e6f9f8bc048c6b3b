import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, ShapeError, tf, writeImage } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SKETCH_FOLDERS, simplifyTask } from '../src/index.js';

// A folder of rough/clean pairs, as two parallel folders or as side-by-side images
// (pix2pix's aligned layout), with optional unpaired folders: the samples hold the
// pixels written (grey, [0, 1]), paired by file name.

const root = mkdtempSync(join(tmpdir(), 'atelier-sketch-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const S = 16;

/** A grey image [S, S, 1] in [0, 255] whose pixels say which image and side it is. */
function pattern(seed: number): tf.Tensor3D {
  return tf.tidy(() => {
    const v = tf.mod(tf.mul(tf.range(0, S * S), seed * 7 + 3), 256);
    return tf.reshape(tf.cast(v, 'float32'), [S, S, 1]) as tf.Tensor3D;
  });
}

async function write(dir: string, name: string, image: tf.Tensor3D) {
  mkdirSync(dir, { recursive: true });
  await writeImage(join(dir, name), image);
}

async function expectPixels(t: tf.Tensor, seed: number) {
  const want = pattern(seed);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.mul(t, 255), want))).dataSync()[0]!);
  want.dispose();
  expect(diff).toBeLessThan(1e-3);
}

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    // Two folders: rough/ and clean/ under train/, one pair under test/.
    await write(join(root, 'two', 'train', SKETCH_FOLDERS.rough), `${i}.png`, pattern(i));
    await write(join(root, 'two', 'train', SKETCH_FOLDERS.clean), `${i}.png`, pattern(10 + i));
    // Side by side: rough | clean in one image.
    const both = tf.concat([pattern(i), pattern(10 + i)], 1) as tf.Tensor3D;
    await write(join(root, 'aligned'), `${i}.png`, both);
    both.dispose();
  }
  await write(join(root, 'two', 'test', SKETCH_FOLDERS.rough), 'a.png', pattern(5));
  await write(join(root, 'two', 'test', SKETCH_FOLDERS.clean), 'a.png', pattern(15));
  for (let i = 0; i < 2; i++) {
    await write(
      join(root, 'two', 'train', SKETCH_FOLDERS.unpairedRough),
      `${i}.png`,
      pattern(20 + i),
    );
    await write(
      join(root, 'two', 'train', SKETCH_FOLDERS.unpairedClean),
      `${i}.png`,
      pattern(30 + i),
    );
  }
  await write(join(root, 'half', SKETCH_FOLDERS.rough), 'x.png', pattern(1));
  await write(join(root, 'half', SKETCH_FOLDERS.clean), 'x.png', pattern(2));
  await write(join(root, 'half', SKETCH_FOLDERS.unpairedRough), 'x.png', pattern(3));
});

describeBackends(
  'simplify data from a folder',
  () => {
    it('reads rough/ and clean/ pairs by name, with the unpaired sketches beside them', async () => {
      const { dataset, description } = await simplifyTask.data({
        data: join(root, 'two'),
        size: S,
        seed: 0,
      });
      expect(dataset.size).toBe(3);
      expect(description).toMatchObject({ layout: 'rough/ + clean/', pairs: 3 });
      for (const i of [0, 2]) {
        const s = (await dataset.get(i)) as Record<string, tf.Tensor>;
        expect(s.A!.shape).toEqual([S, S, 1]);
        await expectPixels(s.A!, i);
        await expectPixels(s.B!, 10 + i);
        // Two unpaired sketches of each kind cycle under the three pairs.
        await expectPixels(s.roughU!, 20 + (i % 2));
        await expectPixels(s.cleanU!, 30 + (i % 2));
        tf.dispose(Object.values(s));
      }
      const test = await simplifyTask.data({
        data: join(root, 'two'),
        size: S,
        seed: 0,
        split: 'test',
      });
      expect(test.dataset.size).toBe(1);
      const t = (await test.dataset.get(0)) as Record<string, tf.Tensor>;
      await expectPixels(t.A!, 5);
      await expectPixels(t.B!, 15);
      expect(t.roughU).toBeUndefined();
      tf.dispose(Object.values(t));
    });

    it('reads side-by-side rough|clean images, and a harness refuses unpaired mode without unpaired sketches', async () => {
      const { dataset, description } = await simplifyTask.data({
        data: join(root, 'aligned'),
        size: S,
        seed: 0,
      });
      expect(description).toMatchObject({ layout: 'side-by-side rough|clean', pairs: 3 });
      const s = (await dataset.get(1)) as Record<string, tf.Tensor4D>;
      await expectPixels(s.A!, 1);
      await expectPixels(s.B!, 11);
      expect(s.roughU).toBeUndefined();
      const batch = {
        A: tf.expandDims(s.A!) as tf.Tensor4D,
        B: tf.expandDims(s.B!) as tf.Tensor4D,
      };
      const supervised = simplifyTask.create({ width: 0.02 });
      expect(() => supervised.check(batch)).not.toThrow();
      const unpaired = simplifyTask.create({ mode: 'unpaired', width: 0.02, ndf: 2, nLayersD: 1 });
      expect(() => unpaired.check(batch)).toThrow(/unpaired-rough/);
      expect(() => unpaired.check(batch)).toThrow(ShapeError);
      supervised.dispose();
      unpaired.dispose();
      tf.dispose([...Object.values(s), batch.A, batch.B]);
    });

    it('refuses a missing held-out split, a lone unpaired folder and a missing folder', async () => {
      await expect(
        simplifyTask.data({ data: join(root, 'aligned'), size: S, seed: 0, split: 'test' }),
      ).rejects.toThrow(/test/);
      await expect(
        simplifyTask.data({ data: join(root, 'half'), size: S, seed: 0 }),
      ).rejects.toThrow(ArgumentError);
      await expect(
        simplifyTask.data({ data: join(root, 'nowhere'), size: S, seed: 0 }),
      ).rejects.toThrow(ArgumentError);
      await expect(
        simplifyTask.data({ data: 'synthetic:shapes', size: S, seed: 0 }),
      ).rejects.toThrow(ArgumentError);
    });
  },
  { only: ['cpu'] },
);
