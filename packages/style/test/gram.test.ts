import { rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { guidedGram } from '@atelier/losses';
import { expect, it } from 'vitest';
import { guidedGramOne } from '../src/gatys/gram.js';
import { normalizeGradient } from '../src/gatys/normalize-gradient.js';

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0]!;
  d.dispose();
  return v;
}

// The plain Gram matrix is @atelier/losses' gramMatrix, tested there (PyTorch values,
// finite-difference gradients); the guided one of one guide is style's own.
describeBackends('the guided Gram matrix of one guide', () => {
  const r = rng(11);

  it("guided: equals @atelier/losses' guidedGram of one guide", async () => {
    const f = r.normal<tf.Rank.R4>([1, 6, 5, 3]);
    const m = r.uniform<tf.Rank.R4>([1, 6, 5, 1]);
    for (const normalize of ['chw', 'hw', 'none'] as const) {
      const mine = guidedGramOne(f, m, normalize);
      const ref = tf.tidy(() => tf.reshape(guidedGram(f, m, { normalize }), [1, 3, 3]));
      expect(await maxDiff(mine, ref)).toBeLessThan(1e-5);
      tf.dispose([mine, ref]);
    }
    const empty = tf.zeros([1, 6, 5, 1]) as tf.Tensor4D;
    const g = guidedGramOne(f, empty, 'chw');
    expect(await maxDiff(g, tf.zerosLike(g))).toBe(0);
    tf.dispose([f, m, empty, g]);
  });
});

describeBackends('gradient normalisation', () => {
  it('passes values through and scales the incoming gradient to L1 norm = strength', async () => {
    const x = tf.tensor1d([1, -2, 3]);
    const w = tf.tensor1d([0.5, 2, -1.5]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(normalizeGradient(v, 7), w)))(x);
    const expected = [0.5, 2, -1.5].map((v) => (v / 4) * 7);
    const got = await g.data();
    for (let i = 0; i < 3; i++) expect(got[i]!).toBeCloseTo(expected[i]!, 4);
    const y = normalizeGradient(x, 3);
    expect(await maxDiff(y, x)).toBe(0);
    tf.dispose([x, w, g, y]);
  });
});
