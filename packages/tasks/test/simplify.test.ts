import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, expect, it } from 'vitest';
import {
  binarizeLines,
  lineScores,
  loadSimplifier,
  type SimplifyModel,
  simplificationLoss,
  simplifyTask,
  stackField,
  trainSimplifier,
} from '../src/index.js';

// Simo-Serra et al.'s network (at 1/8 of its channels, at least 8 a layer) trained STEPS
// steps (batch 8) on 512 synthetic rough -> clean pairs at 32x32, on targets binarised at
// 0.9 as the reference's: on 32 held-out pairs its M-weighted squared error falls well
// below the untrained network's and a blank page's, and it draws lines (F at threshold
// 0.5 against the binarised clean drawing). Measured on wasm: untrained 0.249, blank
// 0.203, trained 0.116 (weighted error); line F untrained 0.32 (grey output is half
// line), trained 0.53. Within this budget it does not yet beat thresholding the
// rough sketch (F 0.67 at 0.5, 0.89 at its best threshold): the README's results do.

const root = mkdtempSync(join(tmpdir(), 'atelier-simplify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SIZE = 32;
const STEPS = 250;

describeBackends(
  'sketch simplification on synthetic sketches',
  () => {
    let model: SimplifyModel;
    let rough: tf.Tensor4D;
    let clean: tf.Tensor4D;
    const out = join(root, 'run');

    it('learns: the held-out weighted error falls below a blank page and the untrained net', async () => {
      const { dataset } = await simplifyTask.data({
        size: SIZE,
        seed: 0,
        count: 32,
        split: 'test',
      });
      rough = (await stackField(dataset, 'A')) as tf.Tensor4D;
      const drawn = (await stackField(dataset, 'B')) as tf.Tensor4D;
      clean = binarizeLines(drawn, 0.9);
      drawn.dispose();
      const untrained = await trainSimplifier({
        size: SIZE,
        count: 32,
        steps: 1,
        batch: 8,
        options: { width: 0.125 },
      });
      const before = tf.tidy(
        () => simplificationLoss(untrained.model.apply(rough), clean).dataSync()[0]!,
      );
      untrained.model.dispose();
      const trained = await trainSimplifier({
        size: SIZE,
        count: 512,
        steps: STEPS,
        batch: 8,
        out,
        sampleEvery: STEPS,
        options: { width: 0.125 },
      });
      model = trained.model;
      const after = tf.tidy(() => simplificationLoss(model.apply(rough), clean).dataSync()[0]!);
      const blank = tf.tidy(
        () => simplificationLoss(tf.onesLike(clean) as tf.Tensor4D, clean).dataSync()[0]!,
      );
      const simplified = model.apply(rough);
      const { f } = await lineScores(simplified, clean);
      simplified.dispose();
      console.log(
        `simplify: weighted error untrained ${before.toFixed(4)}, blank ${blank.toFixed(4)}, trained ${after.toFixed(4)}; line F ${f.toFixed(3)}`,
      );
      expect(after).toBeLessThan(0.7 * blank);
      expect(after).toBeLessThan(0.5 * before);
      expect(f).toBeGreaterThan(0.45);
    });

    it('loads from the run folder and reproduces the outputs', async () => {
      const loaded = await loadSimplifier(out);
      const diff = tf.tidy(
        () => tf.max(tf.abs(tf.sub(loaded.apply(rough), model.apply(rough)))).dataSync()[0],
      );
      expect(diff).toBeLessThan(1e-6);
      loaded.dispose();
    });

    it('refuses bad input with typed errors', async () => {
      expect(() => model.apply(tf.zeros([1, SIZE, SIZE, 3]) as tf.Tensor4D)).toThrow(ShapeError);
      expect(() => model.apply(tf.zeros([1, 30, 30, 1]) as tf.Tensor4D)).toThrow(ShapeError);
      expect(() => simplifyTask.create({ mode: 'cyclic' as never })).toThrow(ArgumentError);
      expect(() => simplifyTask.create({ width: 2 })).toThrow(ArgumentError);
      const harness = simplifyTask.create({ mode: 'unpaired', width: 0.02, ndf: 2, nLayersD: 1 });
      const A = tf.zeros([1, 16, 16, 1]) as tf.Tensor4D;
      // Unpaired training needs the unpaired fields too.
      expect(() => harness.check({ A, B: A } as never)).toThrow(ShapeError);
      harness.dispose();
      await expect(
        simplifyTask.data({ data: 'synthetic:shapes', size: 32, seed: 0 }),
      ).rejects.toThrow(ArgumentError);
      tf.dispose([A, rough, clean]);
      model.dispose();
    });
  },
  { only: ['wasm'] },
);
