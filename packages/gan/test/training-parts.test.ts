import { Module, parameter, rng, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { Ema, ImagePool } from '../src/index.js';

class Pair extends Module {
  weight = parameter(() => tf.fill([2, 3], 1));
  bias = parameter(() => tf.zeros([3]));
  forward(x: tf.Tensor) {
    return x;
  }
}

describeBackends('EMA and history pool', () => {
  it('EMA follows the closed form w1 + beta^n (w0 - w1)', async () => {
    const net = new Pair();
    const shadow = new Pair();
    tf.tidy(() => shadow.weight.assign(tf.fill([2, 3], 7)));
    const ema = new Ema(net, shadow, 0.9);
    // The shadow starts as a copy of the network.
    expect(Array.from(await shadow.weight.data())).toEqual([1, 1, 1, 1, 1, 1]);
    tf.tidy(() => net.weight.assign(tf.fill([2, 3], 3)));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) ema.update();
    expect(tf.memory().numTensors).toBe(before);
    const expected = 3 + 0.9 ** 5 * (1 - 3);
    for (const v of await shadow.weight.data()) expect(v).toBeCloseTo(expected, 5);
    net.dispose();
    shadow.dispose();
  });

  it('EMA refuses a shadow of another shape', () => {
    class Other extends Module {
      weight = parameter(() => tf.zeros([3, 2]));
      bias = parameter(() => tf.zeros([3]));
      forward(x: tf.Tensor) {
        return x;
      }
    }
    const net = new Pair();
    const other = new Other();
    expect(() => new Ema(net, other)).toThrow(ShapeError);
    net.dispose();
    other.dispose();
  });

  it('pool: stores the first `capacity` images, then returns a stored one half the time', async () => {
    const capacity = 5;
    const pool = new ImagePool(capacity, [2, 2, 1]);
    const random = rng(3);
    const image = (v: number) => tf.fill([1, 2, 2, 1], v) as tf.Tensor4D;
    const stored = new Set<number>();
    let old = 0;
    const queries = 600;
    const before = tf.memory().numTensors;
    for (let i = 0; i < queries; i++) {
      const x = image(i);
      const out = pool.query(x, random);
      const v = (await out.data())[0]!;
      out.dispose();
      x.dispose();
      if (i < capacity) {
        expect(v).toBe(i);
        stored.add(i);
        continue;
      }
      if (v !== i) {
        // An image handed back was stored earlier, and leaves the pool for the new one.
        expect(stored.has(v), `returned ${v}`).toBe(true);
        stored.delete(v);
        stored.add(i);
        old++;
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    // Binomial(595, 0.5): 4 standard deviations is about 49.
    expect(Math.abs(old - (queries - capacity) / 2)).toBeLessThan(50);
    // The pool holds exactly the images the bookkeeping says.
    const held = await Promise.all(pool.images.map(async (t) => (await t.data())[0]!));
    expect(new Set(held)).toEqual(stored);
    expect(pool.size).toBe(capacity);
    pool.dispose();
  });

  it('pool state survives a state dict round trip (for checkpoints)', async () => {
    const a = new ImagePool(3, [1, 1, 1]);
    const r = rng(1);
    for (let i = 0; i < 2; i++) tf.dispose(a.query(tf.fill([1, 1, 1, 1], i + 1) as tf.Tensor4D, r));
    const b = new ImagePool(3, [1, 1, 1]);
    const state = a.stateDict();
    b.loadStateDict(state);
    tf.dispose(Object.values(state));
    b.sync();
    expect(b.size).toBe(2);
    expect((await b.images[1]!.data())[0]).toBe(2);
    expect(() => b.query(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, r)).toThrow(ShapeError);
    a.dispose();
    b.dispose();
  });
});
