import { ArgumentError, rng, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { Pca } from '../src/index.js';

// Rows built as mean + codes · Bᵀ with an orthonormal basis B of 3 axes and centred,
// uncorrelated codes of variances exactly 9, 4 and 1: PCA with k = 3 reconstructs them
// exactly, its components are B's columns in order (up to sign), its variances 9, 4, 1;
// with k = 2 the mean squared error of a row is what the third axis carried, 1.

function data(n: number, d: number) {
  const r = rng(3);
  return tf.tidy(() => {
    const basis = tf.linalg.qr(r.normal([d, 3]) as tf.Tensor2D)[0] as tf.Tensor2D;
    // Centred, uncorrelated codes: orthonormal columns orthogonal to the ones vector.
    const raw = r.normal([n, 3]) as tf.Tensor2D;
    const q = tf.linalg.qr(tf.sub(raw, tf.mean(raw, 0, true)) as tf.Tensor2D)[0] as tf.Tensor2D;
    const centred = tf.mul(q, tf.mul(Math.sqrt(n), tf.tensor1d([3, 2, 1]))) as tf.Tensor2D;
    const mean = r.uniform([1, d], -1, 1);
    return {
      rows: tf.add(tf.matMul(centred, basis, false, true), mean) as tf.Tensor2D,
      basis,
      centred,
    };
  });
}

describeBackends('Pca', () => {
  for (const [n, d] of [
    [40, 64],
    [200, 12],
  ] as const) {
    it(`recovers a 3-dimensional subspace (n ${n}, D ${d}: ${n < d ? 'Gram' : 'covariance'})`, async () => {
      const { rows, basis, centred } = data(n, d);
      const pca = await Pca.fit(rows, 3);
      const error = tf.tidy(() => tf.max(tf.abs(tf.sub(pca.reconstruct(rows), rows))));
      expect((await error.data())[0]).toBeLessThan(1e-4);
      const overlap = tf.tidy(() => tf.abs(tf.matMul(basis, pca.components, true, false)));
      const o = (await overlap.array()) as number[][];
      for (let i = 0; i < 3; i++) expect(o[i]![i]).toBeCloseTo(1, 3);
      const expected = tf.tidy(() => tf.div(tf.sum(tf.square(centred), 0), n));
      const v = await expected.data();
      for (let i = 0; i < 3; i++) expect(pca.variances[i]).toBeCloseTo(v[i]!, 2);
      const two = await Pca.fit(rows, 2);
      const lost = tf.tidy(() =>
        tf.mean(tf.sum(tf.square(tf.sub(two.reconstruct(rows), rows)), 1)),
      );
      expect((await lost.data())[0]).toBeCloseTo(v[2]!, 2);
      tf.dispose([rows, basis, centred, error, overlap, expected, lost]);
      pca.dispose();
      two.dispose();
    });
  }

  it('refuses bad input with typed errors', async () => {
    const rows = tf.zeros([4, 6]) as tf.Tensor2D;
    await expect(Pca.fit(rows, 5)).rejects.toThrow(ArgumentError);
    await expect(Pca.fit(tf.zeros([4]) as never, 1)).rejects.toThrow(ShapeError);
    const pca = await Pca.fit(tf.add(rows, rng(1).normal([4, 6])) as tf.Tensor2D, 2);
    expect(() => pca.encode(tf.zeros([2, 5]) as tf.Tensor2D)).toThrow(ShapeError);
    pca.dispose();
    rows.dispose();
  });
});
