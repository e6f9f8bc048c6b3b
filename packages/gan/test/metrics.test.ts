import { readFileSync } from 'node:fs';
import { ArgumentError, rng, ShapeError, tf } from '@atelier/core';
import { describe, expect, it } from 'vitest';
import {
  featureStatistics,
  frechetDistance,
  frechetFeatureDistance,
  kernelDistance,
} from '../src/index.js';
import { sqrtmPsd, symmetricEigen } from '../src/internal.js';

// Feature sets with pytorch-fid's FID (scipy sqrtm) and torch-fidelity's KID
// (tools/parity/gan_metrics.py).
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/metrics.json', import.meta.url), 'utf8'),
);

/** A Gaussian's statistics given directly (no sampling). */
function gaussian(mean: number[], cov: number[][]) {
  return {
    mean: Float64Array.from(mean),
    covariance: { n: mean.length, data: Float64Array.from(cov.flat()) },
    count: Number.POSITIVE_INFINITY,
  };
}

describe('matrix square root', () => {
  it('squares back to the matrix, for a random SPD matrix of size 12', () => {
    const r = rng(2);
    const n = 12;
    const b = Array.from({ length: n * n }, () => r.float() - 0.5);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        for (let k = 0; k < n; k++) a[i * n + j] = a[i * n + j]! + b[i * n + k]! * b[j * n + k]!;
    const root = sqrtmPsd({ n, data: a });
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += root.data[i * n + k]! * root.data[k * n + j]!;
        worst = Math.max(worst, Math.abs(s - a[i * n + j]!));
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('finds the eigenvalues of a matrix built from known ones', () => {
    // Q diag(5, 2, 0.5) Qᵀ with a rotation Q.
    const c = Math.cos(0.7);
    const s = Math.sin(0.7);
    const q = [c, -s, 0, s, c, 0, 0, 0, 1];
    const l = [5, 2, 0.5];
    const a = new Float64Array(9);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 3; k++)
          a[i * 3 + j] = a[i * 3 + j]! + q[i * 3 + k]! * l[k]! * q[j * 3 + k]!;
    const { values } = symmetricEigen({ n: 3, data: a });
    expect(Array.from(values).sort((x, y) => x - y)).toEqual(
      [0.5, 2, 5].map((v) => expect.closeTo(v, 12)),
    );
    expect(() => symmetricEigen({ n: 2, data: Float64Array.from([1, 2, 3, 4]) })).toThrow(
      /not symmetric/,
    );
  });
});

describe('Fréchet distance', () => {
  it('of two Gaussians with commuting covariances: |Δμ|² + Σ(√a − √b)²', () => {
    const d = frechetDistance(
      gaussian(
        [0, 1, 2],
        [
          [4, 0, 0],
          [0, 1, 0],
          [0, 0, 9],
        ],
      ),
      gaussian(
        [1, 1, 0],
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 16],
        ],
      ),
    );
    expect(d).toBeCloseTo(1 + 4 + (2 - 1) ** 2 + 0 + (3 - 4) ** 2, 12);
  });

  it('of two 2-D Gaussians that do not commute: tr √M = √(tr M + 2√det M)', () => {
    const s1 = [
      [2, 0.8],
      [0.8, 1],
    ];
    const s2 = [
      [1, -0.5],
      [-0.5, 3],
    ];
    // tr(Σ1 Σ2) and det(Σ1) det(Σ2): for 2x2 PSD M = Σ1^½ Σ2 Σ1^½ these give tr √M.
    const tr12 =
      s1[0]![0]! * s2[0]![0]! +
      s1[0]![1]! * s2[1]![0]! +
      s1[1]![0]! * s2[0]![1]! +
      s1[1]![1]! * s2[1]![1]!;
    const det = (m: number[][]) => m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
    const trSqrt = Math.sqrt(tr12 + 2 * Math.sqrt(det(s1) * det(s2)));
    const expected = 0.5 ** 2 + 2 ** 2 + 3 + 4 - 2 * trSqrt;
    expect(frechetDistance(gaussian([0, 0], s1), gaussian([0.5, 2], s2))).toBeCloseTo(expected, 12);
    // Symmetric in its arguments, zero against itself.
    expect(frechetDistance(gaussian([0.5, 2], s2), gaussian([0, 0], s1))).toBeCloseTo(expected, 12);
    expect(frechetDistance(gaussian([0, 0], s1), gaussian([0, 0], s1))).toBeLessThan(1e-12);
  });

  it('matches pytorch-fid (scipy.linalg.sqrtm) on feature sets', async () => {
    for (const c of fixture.cases) {
      const d = await frechetFeatureDistance(c.real, c.fake);
      expect(Math.abs(d - c.fid) / c.fid).toBeLessThan(1e-9);
    }
    // The same from tensors.
    const c = fixture.cases[0];
    const real = tf.tensor2d(c.real);
    const fake = tf.tensor2d(c.fake);
    expect(await frechetFeatureDistance(real, fake)).toBeCloseTo(c.fid, 2);
    tf.dispose([real, fake]);
  });

  it('rejects features it cannot use', async () => {
    await expect(featureStatistics([[1, 2]])).rejects.toThrow(ShapeError);
    await expect(featureStatistics([[1, 2], [3]])).rejects.toThrow(ShapeError);
    await expect(
      featureStatistics([
        [1, Number.NaN],
        [3, 4],
      ]),
    ).rejects.toThrow(ArgumentError);
    await expect(
      frechetFeatureDistance(
        [
          [1, 2],
          [3, 4],
        ],
        [[1], [2]],
      ),
    ).rejects.toThrow(ShapeError);
  });
});

describe('kernel inception distance', () => {
  it('matches the unbiased MMD² of torch-fidelity on one subset of everything', async () => {
    for (const c of fixture.cases) {
      const { mean, std } = await kernelDistance(c.real, c.fake, {
        subsets: 1,
        subsetSize: c.real.length,
      });
      expect(Math.abs(mean - c.kid) / c.kid).toBeLessThan(1e-9);
      expect(std).toBe(0);
    }
  });

  it('is near zero for two samples of one distribution, and large for different ones', async () => {
    const r = rng(4);
    const draw = (shift: number) =>
      Array.from({ length: 200 }, () => Array.from({ length: 8 }, () => r.float() + shift));
    const same = await kernelDistance(draw(0), draw(0), { subsets: 20, subsetSize: 100 });
    const apart = await kernelDistance(draw(0), draw(0.5), { subsets: 20, subsetSize: 100 });
    expect(Math.abs(same.mean)).toBeLessThan(3 * same.std + 1e-3);
    expect(apart.mean).toBeGreaterThan(20 * Math.abs(same.mean) + 0.01);
  });
});
