import { ArgumentError, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { train } from '@atelier/gan';
import { expect, it } from 'vitest';
import {
  adversarialPhase,
  binarizeLines,
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

  it('binarises line drawings at the threshold', async () => {
    const drawing = tf.tensor4d([0, 0.5, 0.89, 0.9, 0.95, 1], [1, 1, 6, 1]);
    expect(Array.from(await binarizeLines(drawing, 0.9).data())).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(await binarizeLines(drawing, 0.5).data())).toEqual([0, 1, 1, 1, 1, 1]);
    expect(() => binarizeLines(drawing, 1)).toThrow(ArgumentError);
    expect(() => binarizeLines(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, 0.9)).toThrow(ShapeError);
    drawing.dispose();
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

it("Mastering Sketching's schedule: supervised warmup, D alone, then both", () => {
  const phases = Array.from({ length: 6 }, (_, step) => adversarialPhase(step, 2, 3));
  expect(phases).toEqual([
    'supervised',
    'supervised',
    'pretrain-d',
    'pretrain-d',
    'pretrain-d',
    'joint',
  ]);
  expect(adversarialPhase(0, 0, 0)).toBe('joint');
});

/** The weights of a module as plain numbers (cpu: read synchronously). */
function weightsOf(module: { stateDict(): Record<string, tf.Tensor> }): number[] {
  const dict = module.stateDict();
  const values: number[] = [];
  for (const [key, t] of Object.entries(dict))
    if (/weight$/.test(key)) values.push(...t.dataSync());
  tf.dispose(Object.values(dict));
  return values;
}

describeBackends(
  'simplify adversarial phases',
  () => {
    it('the warmup moves only S, D pretraining only D, the joint phase both', async () => {
      const { dataset } = await simplifyTask.data({ size: 16, count: 2, seed: 0 });
      const harness = simplifyTask.create({
        mode: 'unpaired',
        width: 0.02,
        ndf: 2,
        nLayersD: 1,
        warmup: 1,
        pretrainD: 1,
      });
      const S = [weightsOf(harness.modules.S!)];
      const D = [weightsOf(harness.modules.D!)];
      try {
        await train(harness, {
          data: dataset,
          batch: 2,
          steps: 3,
          onProgress: (p) => {
            if (p.phase !== 'step') return;
            S.push(weightsOf(harness.modules.S!));
            D.push(weightsOf(harness.modules.D!));
          },
        });
      } finally {
        harness.dispose();
      }
      const moved = (w: number[][], k: number) => w[k + 1]!.some((v, i) => v !== w[k]![i]);
      expect([0, 1, 2].map((k) => [moved(S, k), moved(D, k)])).toEqual([
        [true, false],
        [false, true],
        [true, true],
      ]);
    });
  },
  { only: ['cpu'] },
);

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
