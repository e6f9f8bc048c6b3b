import { tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { charbonnier, l1, l2, weightedL1, weightedL2 } from '../src/index.js';
import { expectClose, expectNoLeak, fixture, points, tensor } from './helpers.js';

const F = () => fixture().pixel;

describeBackends('pixel losses', (backend) => {
  it('match PyTorch (l1_loss, mse_loss) and closed forms, every reduction', async () => {
    const f = F();
    const [a, b, w] = [tensor(f.a), tensor(f.b), tensor(f.w)];
    await expectNoLeak(async () => {
      const out = [
        l1(a, b),
        l1(a, b, { reduction: 'sum' }),
        l1(a, b, { reduction: 'none' }),
        l2(a, b),
        l2(a, b, { reduction: 'sum' }),
        charbonnier(a, b),
        weightedL1(a, b, w),
        weightedL1(a, b, w, { normalize: 'weights' }),
        weightedL2(a, b, w, { reduction: 'sum' }),
      ];
      await expectClose(out[0]!, f.l1_mean);
      await expectClose(out[1]!, f.l1_sum);
      await expectClose(out[2]!, f.l1_none);
      expect(out[2]!.shape).toEqual(f.l1_none.shape);
      await expectClose(out[3]!, f.l2_mean);
      await expectClose(out[4]!, f.l2_sum);
      await expectClose(out[5]!, f.charbonnier_mean);
      await expectClose(out[6]!, f.weighted_l1_mean);
      await expectClose(out[7]!, f.weighted_l1_weights);
      await expectClose(out[8]!, f.weighted_l2_sum);
      tf.dispose(out);
    });
    tf.dispose([a, b, w]);
  });

  it('gradients match PyTorch autograd', async () => {
    const f = F();
    const [a, b] = [tensor(f.a), tensor(f.b)];
    const [g2] = tf.grads((x: tf.Tensor) => l2(x, b))([a]);
    const [gc] = tf.grads((x: tf.Tensor) => charbonnier(x, b))([a]);
    await expectClose(g2!, f.l2_grad, 1e-6);
    await expectClose(gc!, f.charbonnier_grad, 1e-6);
    tf.dispose([a, b, g2!, gc!]);
  });

  it('first-order gradients agree with finite differences', async () => {
    const a = tf.tensor([0.3, -1.2, 0.8, 2.1, -0.4, 0.05], [2, 3]);
    const b = tf.tensor([0.1, 0.4, -0.9, 1.5, 0.3, 0.6], [2, 3]);
    const w = tf.tensor([0.5, 2, 1], [1, 3]);
    const maxPoints = points(backend);
    const cases: [string, (...x: tf.Tensor[]) => tf.Tensor, tf.Tensor[]][] = [
      ['l1', (x, y) => l1(x!, y!, { reduction: 'none' }), [a, b]],
      ['l2', (x, y) => l2(x!, y!, { reduction: 'sum' }), [a, b]],
      ['charbonnier', (x, y) => charbonnier(x!, y!, { epsilon: 0.1 }), [a, b]],
      ['weightedL1', (x, v) => weightedL1(x!, b, v!, { normalize: 'weights' }), [a, w]],
      ['weightedL2', (x, v) => weightedL2(x!, b, v!), [a, w]],
    ];
    for (const [name, fn, inputs] of cases) {
      const r = await checkGrad(fn, inputs, { maxPoints });
      expect(r.ok, `${name}: ${JSON.stringify(r.failures)}`).toBe(true);
    }
    tf.dispose([a, b, w]);
  });
});
