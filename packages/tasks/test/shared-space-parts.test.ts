import { ArgumentError, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  LinearMap,
  PARAM_LENGTH,
  paramErrors,
  paramsLoss,
  paramVector,
  readParams,
  retrievalTopK,
  sharedSpaceTask,
} from '../src/index.js';
import { stepCounts } from './helpers/step-counts.js';

// Closed forms: retrieval top-k on hand-made codes, a least-squares map that recovers a
// known affine map, parameter vectors and their loss, parameter errors counted by hand;
// tensor counts per step; typed errors.

describeBackends('shared-space metrics and baselines', () => {
  it('retrieval top-k on hand-made codes', async () => {
    // Gallery on a line at 0, 1, 2, 3. Query 0 sits on its match; query 1 at 2.1 (its
    // match at 1 is third nearest); query 2 at 2.6 (second nearest); query 3 at 0 (fourth).
    const gallery = tf.tensor2d([[0], [1], [2], [3]]);
    const queries = tf.tensor2d([[0], [2.1], [2.6], [0]]);
    const [top1, top2, top3, top4] = await retrievalTopK(queries, gallery, [1, 2, 3, 4]);
    expect([top1, top2, top3, top4]).toEqual([0.25, 0.5, 0.75, 1]);
    await expect(retrievalTopK(queries, tf.tensor2d([[0], [1]]), [1])).rejects.toThrow(ShapeError);
    await expect(retrievalTopK(queries, gallery, [0])).rejects.toThrow(ArgumentError);
    await expect(retrievalTopK(queries, gallery, [5])).rejects.toThrow(ArgumentError);
    tf.dispose([gallery, queries]);
  });

  it('a least-squares map recovers a known affine map', async () => {
    const x = tf.tensor2d([
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [2, -1],
    ]);
    // y = x W + c with W = [[1, 2, 0], [-1, 0, 3]], c = [0.5, -1, 2].
    const w = tf.tensor2d([
      [1, 2, 0],
      [-1, 0, 3],
    ]);
    const y = tf.tidy(() => tf.add(tf.matMul(x, w), tf.tensor1d([0.5, -1, 2]))) as tf.Tensor2D;
    const map = await LinearMap.fit(x, y, 0);
    const expected = [1, 2, 0, -1, 0, 3, 0.5, -1, 2];
    const got = Array.from(await map.weight.data());
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 4);
    const mapped = map.apply(tf.tensor2d([[3, 3]]));
    expect(Array.from(await mapped.data()).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([
      0.5, 5, 11,
    ]);
    expect(() => map.apply(tf.zeros([1, 3]) as tf.Tensor2D)).toThrow(ShapeError);
    await expect(LinearMap.fit(x, tf.zeros([4, 3]) as tf.Tensor2D)).rejects.toThrow(ShapeError);
    map.dispose();
    tf.dispose([x, w, y, mapped]);
  });

  it('parameter vectors, their loss and their errors by hand', async () => {
    const p = { kind: 2, colour: 5, x: 0.62, y: 0.4, radius: 0.2 };
    const v = paramVector(p);
    expect(Array.from(v)).toEqual(
      [0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, -1, 0].map((n) => expect.closeTo(n, 6)),
    );
    const [back] = await readParams(tf.tensor2d([Array.from(v)]));
    expect(back!.kind).toBe(2);
    expect(back!.colour).toBe(5);
    expect(back!.x).toBeCloseTo(0.62, 6);
    expect(back!.y).toBeCloseTo(0.4, 6);
    // Zero logits: ln 4 + ln 6; continuous entries off by (1, 0, 0.5): 1 + 0.25.
    const decoded = tf.tensor2d([[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0.5]]);
    const loss = paramsLoss(decoded, tf.tensor2d([Array.from(v)]));
    expect((await loss.data())[0]).toBeCloseTo(Math.log(4) + Math.log(6) + 1.25, 5);
    expect(() => paramsLoss(tf.zeros([1, 12]) as tf.Tensor2D, decoded)).toThrow(ShapeError);
    expect(() => paramVector({ ...p, kind: 4 })).toThrow(ArgumentError);
    const e = paramErrors(
      [
        { kind: 2, colour: 1, x: 0.5, y: 0.5, radius: 0.2 },
        { kind: 0, colour: 1, x: 0.5, y: 0.5, radius: 0.2 },
      ],
      [
        { kind: 2, colour: 0, x: 0.53, y: 0.54, radius: 0.22 },
        { kind: 1, colour: 1, x: 0.5, y: 0.5, radius: 0.2 },
      ],
    );
    expect(e.kind).toBe(0.5);
    expect(e.colour).toBe(0.5);
    expect(e.position).toBeCloseTo(0.05 / 2, 6);
    expect(e.size).toBeCloseTo(0.02 / 2, 6);
    expect(() => paramErrors([], [])).toThrow(ShapeError);
    tf.dispose([decoded, loss]);
  });
});

describeBackends(
  'shared-space training steps',
  () => {
    for (const [name, options] of [
      ['shared', {}],
      ['separate', { align: 0, cross: 0 }],
    ] as const) {
      it(`${name}: steps leave the tensor count unchanged`, async () => {
        const { counts, losses } = await stepCounts(
          sharedSpaceTask,
          { ...options, latent: 4, features: 2, hidden: 8 },
          { size: 16, count: 8 },
        );
        expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(' ')}`).toBe(1);
        const terms =
          name === 'shared'
            ? ['align', 'cross', 'image', 'params', 'sketch']
            : ['image', 'params', 'sketch'];
        expect(Object.keys(losses).sort()).toEqual(terms);
      });
    }

    it('refuses bad options and input with typed errors', async () => {
      expect(() => sharedSpaceTask.create({ size: 20 })).toThrow(ArgumentError);
      expect(() => sharedSpaceTask.create({ channels: 3 })).toThrow(ArgumentError);
      expect(() => sharedSpaceTask.create({ align: -1 })).toThrow(ArgumentError);
      expect(() => sharedSpaceTask.create({ latnet: 3 } as never)).toThrow(ArgumentError);
      const harness = sharedSpaceTask.create({ size: 16, latent: 4, features: 2, hidden: 8 });
      const sketch = tf.zeros([2, 16, 16, 1]) as tf.Tensor4D;
      const image = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
      const params = tf.zeros([2, PARAM_LENGTH]) as tf.Tensor2D;
      expect(() => harness.check({ sketch: image, image, params })).toThrow(ShapeError);
      expect(() =>
        harness.check({ sketch, image, params: tf.zeros([2, 5]) as tf.Tensor2D }),
      ).toThrow(ShapeError);
      harness.dispose();
      await expect(
        sharedSpaceTask.data({ size: 16, seed: 0, data: 'synthetic:glyphs' }),
      ).rejects.toThrow(ArgumentError);
      tf.dispose([sketch, image, params]);
    });
  },
  { only: ['cpu', 'wasm'] },
);
