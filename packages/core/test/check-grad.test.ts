import { expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { checkGrad, describeBackends } from '../src/testing/index.js';

describeBackends('checkGrad', () => {
  it('accepts a correct first-order gradient', async () => {
    const x = tf.tensor([0.3, -0.7, 1.2, 0.05]);
    const r = await checkGrad((t) => tf.sin(t).mul(t), [x]);
    expect(r.ok, JSON.stringify(r.failures)).toBe(true);
    x.dispose();
  });

  it('rejects a deliberately wrong gradient', async () => {
    const wrongSquare = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([x]);
      // d(x^2)/dx is 2x; claim 2x + 0.1 instead.
      return {
        value: tf.square(x),
        gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => dy.mul(s!.mul(2).add(0.1)),
      };
    }) as (x: tf.Tensor) => tf.Tensor;
    const x = tf.tensor([0.3, -0.7, 1.2, 0.05]);
    const r = await checkGrad((t) => wrongSquare(t), [x]);
    expect(r.ok).toBe(false);
    expect(r.failures.length).toBeGreaterThan(0);
    x.dispose();
  });

  it('checks second order: d/dx of (v . d sin(x)/dx)', async () => {
    const x = tf.tensor([0.3, -0.7, 1.2, 0.05]);
    const r = await checkGrad((t) => tf.sin(t), [x], { order: 2 });
    expect(r.ok, JSON.stringify(r.failures)).toBe(true);
    x.dispose();
  });
});
