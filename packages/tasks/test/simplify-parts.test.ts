import { ArgumentError, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  lineScores,
  simplificationLoss,
  simplificationWeights,
  simplifyTask,
} from '../src/index.js';
import { stepCounts } from './helpers/step-counts.js';

// Closed forms: Simo-Serra's weights M = exp(−H) + 0.5 on hand-made targets, and line
// precision / recall / F / grey share counted by hand.

describeBackends('simplification loss and line scores', () => {
  it('weights: white page, one ink pixel, borders', async () => {
    const page = tf.tidy(() => {
      const mask = tf.buffer([1, 9, 9, 1]);
      for (let i = 0; i < 81; i++) mask.values[i] = 1;
      mask.set(0, 0, 4, 4, 0);
      return mask.toTensor() as tf.Tensor4D;
    });
    const m = simplificationWeights(page);
    const v = await m.data();
    const at = (y: number, x: number) => v[y * 9 + x]!;
    // The ink pixel: 1 of the 25 in its window shares its bin.
    expect(at(4, 4)).toBeCloseTo(Math.exp(-1 / 25) + 0.5, 5);
    // A white pixel next to it: 24 of 25.
    expect(at(4, 5)).toBeCloseTo(Math.exp(-24 / 25) + 0.5, 5);
    // A corner: its window holds 9 pixels inside the image, all white.
    expect(at(0, 0)).toBeCloseTo(Math.exp(-1) + 0.5, 5);
    // Grey 0.55 falls in bin 5, 0.45 in bin 4: different bins, as the ink and the page.
    const greys = tf.tidy(() =>
      tf.concat([tf.fill([1, 5, 5, 1], 0.55), tf.fill([1, 5, 5, 1], 0.45)], 2),
    ) as tf.Tensor4D;
    const g = await simplificationWeights(greys).data();
    expect(g[2 * 10 + 4]).toBeCloseTo(Math.exp(-15 / 25) + 0.5, 5);
    // The loss is the weighted mean of squared errors.
    const out = tf.fill([1, 9, 9, 1], 0.5) as tf.Tensor4D;
    let expected = 0;
    const p = await page.data();
    for (let i = 0; i < 81; i++) expected += v[i]! * (0.5 - p[i]!) ** 2;
    expect((await simplificationLoss(out, page).data())[0]).toBeCloseTo(expected / 81, 6);
    tf.dispose([page, m, greys, out]);
  });

  it('line scores count by hand', async () => {
    // Target lines at pixels 0, 1, 2; output dark at 1, 2, 3 and grey (0.6) at 4.
    const target = tf.tensor4d([0, 0, 0, 1, 1, 1], [1, 1, 6, 1]);
    const output = tf.tensor4d([1, 0.2, 0, 0.4, 0.6, 1], [1, 1, 6, 1]);
    const s = await lineScores(output, target);
    expect(s.precision).toBeCloseTo(2 / 3, 6);
    expect(s.recall).toBeCloseTo(2 / 3, 6);
    expect(s.f).toBeCloseTo(2 / 3, 6);
    expect(s.grey).toBeCloseTo(3 / 6, 6);
    await expect(lineScores(output, tf.zeros([1, 1, 5, 1]) as tf.Tensor4D)).rejects.toThrow(
      ShapeError,
    );
    await expect(lineScores(output, target, 1)).rejects.toThrow(ArgumentError);
    expect(() => simplificationWeights(tf.zeros([1, 4, 4, 3]) as tf.Tensor4D)).toThrow(ShapeError);
    tf.dispose([target, output]);
  });
});

// Training steps on webgpu (SwiftShader) take a minute each: cpu and wasm here.
describeBackends(
  'simplify training steps',
  () => {
    for (const mode of ['supervised', 'adversarial', 'unpaired'] as const) {
      it(`${mode} training steps leave the tensor count unchanged`, async () => {
        const { counts, losses } = await stepCounts(
          simplifyTask,
          { mode, width: 0.02, ndf: 2, nLayersD: 1 },
          { size: 16, count: 2 },
          4,
          2,
        );
        expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(' ')}`).toBe(1);
        const expected = {
          supervised: ['mse'],
          adversarial: ['D_fake', 'D_real', 'adv', 'mse'],
          unpaired: ['D_fake', 'D_fake_u', 'D_real', 'D_real_u', 'adv', 'adv_u', 'mse'],
        }[mode];
        expect(Object.keys(losses).sort()).toEqual(expected);
      });
    }
  },
  { only: ['cpu', 'wasm'] },
);
