import { readFileSync } from 'node:fs';
import { rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  laplacianPyramid,
  type PatchCentres,
  slicedWassersteinDistance,
  swdResolutions,
} from '../src/index.js';

// ProGAN's sliced Wasserstein distance against tools/parity/gan_swd.py, which runs the
// reference's formula (metrics/sliced_wasserstein.py) in numpy/scipy on the same
// images, patch centres and directions.

interface Level {
  resolution: number;
  centres: Record<'real' | 'fake', { image: number[]; y: number[]; x: number[] }>;
  directions: string;
  directionShape: [number, number];
  realLevel: string;
  swd: number;
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/swd.json', import.meta.url), 'utf8'),
) as {
  shape: [number, number, number, number];
  real: string;
  fake: string;
  levels: Level[];
  average: number;
};
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
const floats = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const images = (b64: string) => tf.tensor4d(Float32Array.from(bytes(b64)), fixture.shape);
const centres = (c: Level['centres']['real']): PatchCentres => ({
  image: Int32Array.from(c.image),
  y: Int32Array.from(c.y),
  x: Int32Array.from(c.x),
});

describeBackends('sliced Wasserstein distance', () => {
  it('the Laplacian pyramid matches scipy (mirror borders, binomial filter)', async () => {
    const real = images(fixture.real);
    const pyramid = laplacianPyramid(real, fixture.levels.length);
    for (const [i, level] of fixture.levels.entries()) {
      const expected = floats(level.realLevel);
      const got = await pyramid[i]!.data();
      expect(pyramid[i]!.shape[1]).toBe(level.resolution);
      let worst = 0;
      for (let j = 0; j < expected.length; j++)
        worst = Math.max(worst, Math.abs(got[j]! - expected[j]!));
      expect(worst).toBeLessThan(2e-3);
    }
    tf.dispose([real, ...pyramid]);
  });

  it('SWD per level and its mean match the numpy reference on the same patches and directions', async () => {
    const real = images(fixture.real);
    const fake = images(fixture.fake);
    const directions = fixture.levels.map((l) =>
      tf.tensor2d(floats(l.directions), l.directionShape),
    );
    const result = await slicedWassersteinDistance(real, fake, {
      fixedDirections: directions,
      fixedCentres: fixture.levels.map((l) => ({
        real: centres(l.centres.real),
        fake: centres(l.centres.fake),
      })),
    });
    expect(result.resolutions).toEqual(fixture.levels.map((l) => l.resolution));
    result.perLevel.forEach((v, i) => {
      expect(Math.abs(v - fixture.levels[i]!.swd)).toBeLessThan(1e-3 * fixture.levels[i]!.swd);
    });
    expect(Math.abs(result.average - fixture.average)).toBeLessThan(1e-3 * fixture.average);
    tf.dispose([real, fake, ...directions]);
  });

  it('is smaller for two draws of one distribution than for two distributions, seeded', async () => {
    const before = tf.memory().numTensors;
    const r = rng(1);
    const a = tf.tidy(() => tf.add(r.normal([16, 16, 16, 3]), 0) as tf.Tensor4D);
    const b = tf.tidy(() => r.normal([16, 16, 16, 3]) as tf.Tensor4D);
    // Blocky noise: normal values in 4x4 blocks (no fine detail at 16 px).
    const c = tf.tidy(() => {
      const x = r.normal([16, 4, 4, 3]) as tf.Tensor4D;
      return tf.image.resizeNearestNeighbor(x, [16, 16]);
    });
    const options = { nhoodsPerImage: 128, directions: 64, seed: 3 };
    const same = await slicedWassersteinDistance(a, b, options);
    const apart = await slicedWassersteinDistance(a, c, options);
    const again = await slicedWassersteinDistance(a, c, options);
    expect(apart.perLevel).toEqual(again.perLevel);
    console.log(`SWD same ${same.average.toFixed(1)}, apart ${apart.average.toFixed(1)}`);
    expect(apart.average).toBeGreaterThan(2 * same.average);
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses mismatched or too small sets with typed errors', async () => {
    const a = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    const b = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    await expect(slicedWassersteinDistance(a, b)).rejects.toThrow(/one shape/);
    await expect(slicedWassersteinDistance(a, a, { minResolution: 32 })).rejects.toThrow(
      /smaller than minResolution/,
    );
    await expect(slicedWassersteinDistance(a, a, { directions: 0 })).rejects.toThrow(/directions/);
    expect(swdResolutions(128)).toEqual([128, 64, 32, 16]);
    tf.dispose([a, b]);
  });
});
