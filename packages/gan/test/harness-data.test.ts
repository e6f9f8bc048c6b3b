import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, encodePng, ShapeError, tf } from '@atelier/core';
import { Dataset, encodeIdx } from '@atelier/datasets';
import { afterAll, describe, expect, it } from 'vitest';
import { createHarness, harnessData, preprocessFields, train } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'atelier-harness-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('harness data', () => {
  it('MNIST from IDX files: 28x28 digits padded to 32x32 with the background, labels kept', async () => {
    const dir = join(root, 'mnist');
    mkdirSync(dir);
    const images = new Uint8Array(3 * 28 * 28).fill(255);
    writeFileSync(
      join(dir, 'train-images-idx3-ubyte'),
      encodeIdx({ type: 'ubyte', shape: [3, 28, 28], data: images }),
    );
    writeFileSync(
      join(dir, 'train-labels-idx1-ubyte'),
      encodeIdx({ type: 'ubyte', shape: [3], data: Uint8Array.from([7, 1, 4]) }),
    );
    const data = await harnessData('cgan', { data: dir, size: 32 });
    expect(data.channels).toEqual({ image: 1 });
    expect(data.classNames).toHaveLength(10);
    const sample = (await data.dataset.get(2)) as { image: tf.Tensor3D; label: number };
    expect(sample.image.shape).toEqual([32, 32, 1]);
    expect(sample.label).toBe(4);
    const values = await sample.image.data();
    expect(values[0]).toBe(-1); // the padding
    expect(values[2 * 32 + 2]).toBe(1); // the digit (all white here)
    sample.image.dispose();
    await expect(harnessData('gan', { data: dir, size: 64 })).rejects.toThrow(
      /MNIST trains at size 32/,
    );
  });

  it('an aligned image of the wrong width is a typed error', async () => {
    const dir = join(root, 'aligned');
    mkdirSync(dir);
    // 96 wide: halves of 48x32, which unet_32 cannot take (sides must be multiples of 32).
    const png = await encodePng(tf.tidy(() => tf.fill([32, 96, 3], 128) as tf.Tensor3D));
    writeFileSync(join(dir, '1.png'), png);
    writeFileSync(join(dir, '2.png'), png);
    const data = await harnessData('pix2pix', {
      data: dir,
      size: 32,
      preprocess: 'none',
      flip: false,
    });
    const harness = createHarness('pix2pix', { netG: 'unet_32', ngf: 4, ndf: 4 });
    await expect(train(harness, { data: data.dataset, steps: 1 })).rejects.toThrow(ShapeError);
    await expect(train(harness, { data: data.dataset, steps: 1 })).rejects.toThrow(
      /32x48; the generator takes sides that are multiples of 32/,
    );
    harness.dispose();
  });

  it('pairs share one crop and flip; unpaired sides draw their own', async () => {
    // A == B: a shared transform keeps them equal, separate ones do not (for some sample).
    const same = Dataset.indexed(8, (i) => {
      const x = tf.tidy(() =>
        tf.add(tf.mul(tf.reshape(tf.linspace(-1, 1, 32 * 32 * 3), [32, 32, 3]), 0.9), i * 0.01),
      ) as tf.Tensor3D;
      return { A: x, B: tf.clone(x) };
    });
    const options = { preprocess: 'resize_and_crop' as const, loadSize: 36, cropSize: 32, seed: 2 };
    const shared = preprocessFields(same, ['A', 'B'], { ...options, shared: true });
    const apart = preprocessFields(same, ['A', 'B'], { ...options, shared: false });
    let differ = 0;
    for (let i = 0; i < 8; i++) {
      const s = (await shared.get(i, 1)) as { A: tf.Tensor3D; B: tf.Tensor3D };
      const u = (await apart.get(i, 1)) as { A: tf.Tensor3D; B: tf.Tensor3D };
      expect(s.A.shape).toEqual([32, 32, 3]);
      expect(Array.from(await s.A.data())).toEqual(Array.from(await s.B.data()));
      if (Array.from(await u.A.data()).join() !== Array.from(await u.B.data()).join()) differ++;
      tf.dispose([s.A, s.B, u.A, u.B]);
    }
    expect(differ).toBeGreaterThan(0);
  });

  it('names what it cannot find', async () => {
    await expect(harnessData('pix2pix', { data: 'synthetic:seasons', size: 32 })).rejects.toThrow(
      /no synthetic set 'seasons' for pix2pix/,
    );
    await expect(harnessData('gan', { data: join(root, 'absent'), size: 32 })).rejects.toThrow(
      ArgumentError,
    );
    await expect(harnessData('cyclegan', { data: root, size: 32 })).rejects.toThrow(/trainA/);
    await expect(harnessData('pix2pix', { size: 8 })).rejects.toThrow(/size must be/);
  });
});
