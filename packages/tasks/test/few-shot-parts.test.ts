import { ArgumentError, rng, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { contrastive, triplet } from '@atelier/losses';
import { expect, it } from 'vitest';
import {
  fewShotAccuracy,
  fewShotTask,
  type GlyphTriplet,
  glyphSet,
  glyphTriplets,
  SiameseNet,
  squaredDistances,
  verificationLoss,
} from '../src/index.js';
import { stepCounts } from './helpers/step-counts.js';

// Closed forms: Koch's verification loss, the contrastive and triplet losses as the task
// uses them, the L1 head, squared distances and N-way K-shot accuracy on hand-made
// distance matrices; the triplets' classes; tensor counts per step; typed errors.

const softplus = (x: number) => Math.log1p(Math.exp(x));

describeBackends('few-shot losses and metrics', () => {
  it('verification loss is the mean binary cross-entropy of the logits', async () => {
    const logits = tf.tensor1d([0, 2, -1]);
    const same = tf.tensor1d([1, 0, 1]);
    const expected = (softplus(0) + softplus(2) + (softplus(-1) + 1)) / 3;
    expect((await verificationLoss(logits, same).data())[0]).toBeCloseTo(expected, 5);
    expect(() => verificationLoss(logits, tf.tensor1d([1, 0]))).toThrow(ShapeError);
    expect(() => verificationLoss(tf.zeros([3, 1]), same)).toThrow(ShapeError);
    tf.dispose([logits, same]);
  });

  it('contrastive and triplet losses on hand-made embeddings', async () => {
    // a = (0, 0); p = (0.3, 0.4) at distance 0.5; n = (0.6, 0.8) at distance 1.
    const a = tf.tensor2d([[0, 0]]);
    const p = tf.tensor2d([[0.3, 0.4]]);
    const n = tf.tensor2d([[0.6, 0.8]]);
    // Matching pair: ½ d² = 0.125; non-matching at margin 2: ½ (2 − 1)² = 0.5.
    const c = contrastive(tf.concat([a, a]), tf.concat([p, n]), tf.tensor1d([1, 0]), {
      margin: 2,
      reduction: 'none',
    });
    const cv = await c.data();
    expect(cv[0]).toBeCloseTo(0.125, 5);
    expect(cv[1]).toBeCloseTo(0.5, 5);
    // max(0.5 − 1 + 1, 0) = 0.5 at margin 1; 0 at margin 0.25.
    expect((await triplet(a, p, n, { margin: 1, epsilon: 0 }).data())[0]).toBeCloseTo(0.5, 5);
    expect((await triplet(a, p, n, { margin: 0.25, epsilon: 0 }).data())[0]).toBeCloseTo(0, 6);
    tf.dispose([a, p, n, c]);
  });

  it('squared distances and the L1 head by hand', async () => {
    const q = tf.tensor2d([
      [0, 0],
      [3, 4],
    ]);
    const g = tf.tensor2d([
      [0, 0],
      [1, 1],
    ]);
    expect(Array.from(await squaredDistances(q, g).data())).toEqual([0, 2, 25, 13]);
    expect(() => squaredDistances(q, tf.zeros([2, 3]) as tf.Tensor2D)).toThrow(ShapeError);
    const net = new SiameseNet(
      { size: 8, channels: 1, features: 2, embedding: 2, head: true },
      rng(0),
    );
    net.head!.weight.assign(tf.tensor2d([[2], [-1]]));
    net.head!.bias!.assign(tf.tensor1d([0.5]));
    // Pairs (q0, g0) and (q1, g1): 2·0 − 1·0 + 0.5 = 0.5; 2·|3 − 1| − |4 − 1| + 0.5 = 1.5.
    expect(Array.from(await net.verify(q, g).data())).toEqual([0.5, 1.5]);
    // Every pair: q0–g1 gives 2·1 − 1 + 0.5 = 1.5, q1–g0 gives 2·3 − 4 + 0.5 = 2.5.
    expect(Array.from(await net.verifyAll(q, g, 1).data())).toEqual([0.5, 1.5, 2.5, 1.5]);
    const bare = new SiameseNet(
      { size: 8, channels: 1, features: 2, embedding: 2, head: false },
      rng(0),
    );
    expect(() => bare.verify(q, g)).toThrow(ArgumentError);
    tf.dispose([q, g]);
    net.dispose();
    bare.dispose();
  });

  it('N-way K-shot accuracy on hand-made distances', async () => {
    // Classes 0 and 1, three examples each.
    const labels = [0, 0, 0, 1, 1, 1];
    const matrix = (d: (q: number, s: number) => number) =>
      tf.tensor2d(labels.map((_, q) => labels.map((__, s) => d(q, s))));
    // Same class near, other far: every query right.
    const perfect = matrix((q, s) => (labels[q] === labels[s] ? 0 : 1));
    expect(await fewShotAccuracy(perfect, labels, { ways: 2, shots: 2, episodes: 20 })).toBe(1);
    // Everything is nearest to class 1: class-1 queries right, class-0 queries wrong.
    const biased = matrix((_, s) => (labels[s] === 1 ? 0 : 1));
    expect(await fewShotAccuracy(biased, labels, { ways: 2, shots: 1, episodes: 50 })).toBe(0.5);
    // Other class near: every query wrong.
    const inverted = matrix((q, s) => (labels[q] === labels[s] ? 1 : 0));
    expect(await fewShotAccuracy(inverted, labels, { ways: 2, shots: 2, episodes: 20 })).toBe(0);
    await expect(fewShotAccuracy(perfect, labels, { ways: 3, shots: 1 })).rejects.toThrow(
      ArgumentError,
    );
    await expect(fewShotAccuracy(perfect, labels, { ways: 2, shots: 3 })).rejects.toThrow(
      ArgumentError,
    );
    await expect(
      fewShotAccuracy(tf.zeros([6, 5]) as tf.Tensor2D, labels, { ways: 2, shots: 1 }),
    ).rejects.toThrow(ShapeError);
    await expect(fewShotAccuracy(perfect, [0, 1], { ways: 2, shots: 1 })).rejects.toThrow(
      ShapeError,
    );
    tf.dispose([perfect, biased, inverted]);
  });
});

describeBackends(
  'few-shot data and training steps',
  () => {
    it('triplets: the positive is a drawing of the anchor class, the negative of another', async () => {
      const options = { size: 16, seed: 3, count: 40 };
      const set = await glyphSet(options);
      const images = await set.images.array();
      const { dataset } = await glyphTriplets(options);
      const classOf = (t: number[][][]) => {
        const found = images.findIndex((img) =>
          img.every((row, y) =>
            row.every((v, x) => Math.abs(2 * v[0]! - 1 - t[y]![x]![0]!) < 1e-6),
          ),
        );
        return set.labels[found] ?? -1;
      };
      for (const index of [0, 7, 23, 39]) {
        for (const epoch of [0, 1]) {
          const t = (await dataset.get(index, epoch)) as GlyphTriplet;
          const [a, p, n] = await Promise.all([
            t.anchor.array(),
            t.positive.array(),
            t.negative.array(),
          ]);
          expect(classOf(a)).toBe(set.labels[index]);
          expect(classOf(p)).toBe(set.labels[index]);
          expect(classOf(n)).not.toBe(set.labels[index]);
          expect(classOf(n)).toBeGreaterThanOrEqual(0);
          tf.dispose([t.anchor, t.positive, t.negative]);
        }
      }
      // The held-out split is another seed's classes.
      const test = await glyphSet({ ...options, split: 'test' });
      const moved = tf.tidy(() => tf.mean(tf.abs(tf.sub(test.images, set.images))).dataSync()[0]!);
      expect(moved).toBeGreaterThan(0.05);
      set.images.dispose();
      test.images.dispose();
    });

    for (const loss of ['siamese', 'contrastive', 'triplet'] as const) {
      it(`${loss}: steps leave the tensor count unchanged`, async () => {
        const { counts, losses } = await stepCounts(
          fewShotTask,
          { loss, features: 2, embedding: 4 },
          { size: 16, count: 20 },
        );
        expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(' ')}`).toBe(1);
        expect(Object.keys(losses)).toEqual([loss === 'siamese' ? 'verification' : loss]);
      });
    }

    it('refuses bad options and input with typed errors', async () => {
      expect(() => fewShotTask.create({ loss: 'cosine' as never })).toThrow(ArgumentError);
      expect(() => fewShotTask.create({ size: 20 })).toThrow(ArgumentError);
      expect(() => fewShotTask.create({ embeding: 3 } as never)).toThrow(ArgumentError);
      const harness = fewShotTask.create({ size: 16, features: 2, embedding: 4 });
      const rgb = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
      const grey = tf.zeros([2, 16, 16, 1]) as tf.Tensor4D;
      expect(() => harness.check({ anchor: grey, positive: grey, negative: rgb })).toThrow(
        ShapeError,
      );
      harness.dispose();
      await expect(
        fewShotTask.data({ size: 16, seed: 0, data: 'synthetic:shapes' }),
      ).rejects.toThrow(ArgumentError);
      await expect(fewShotTask.data({ size: 16, seed: 0, count: 5 })).rejects.toThrow(
        ArgumentError,
      );
      tf.dispose([rgb, grey]);
    });
  },
  { only: ['cpu', 'wasm'] },
);
