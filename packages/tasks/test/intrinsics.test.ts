import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, expect, it } from 'vitest';
import {
  type IntrinsicsModel,
  intrinsicLmse,
  intrinsicsTask,
  loadIntrinsics,
  retinex,
  type SceneLayers,
  stackField,
  trainIntrinsics,
  tuneRetinex,
} from '../src/index.js';
import { stepCounts } from './helpers/step-counts.js';

// The decomposition UNet, trained STEPS steps (batch 8, Adam 2e-3, λ = 1) on 128 scenes
// at 32x32, scores a lower LMSE (the MIT benchmark's ½ albedo + ½ shading) than Retinex
// with thresholds tuned on 32 of the training scenes, on 24 held-out scenes: see MARGIN.
// Retinex's tuning keeps no reflectance step at all (its best albedo on these scenes is
// the chromaticity), so the bar is modest. The run folder's weights reproduce the
// trained outputs.

const root = mkdtempSync(join(tmpdir(), 'atelier-intrinsics-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SIZE = 32;
const STEPS = 500;
/** The network's LMSE must be at most this share of Retinex's (measured on wasm: 0.0511 against 0.0576, a share of 0.89). */
const MARGIN = 0.95;

async function layers(split: 'train' | 'test', count: number): Promise<SceneLayers> {
  const { dataset } = await intrinsicsTask.data({ size: SIZE, seed: 0, count, split });
  const out: Record<string, tf.Tensor4D> = {};
  for (const key of ['image', 'albedo', 'shading', 'specular'])
    out[key] = (await stackField(dataset, key, count)) as tf.Tensor4D;
  return out as unknown as SceneLayers;
}

describeBackends(
  'intrinsics on synthetic scenes',
  () => {
    let model: IntrinsicsModel;
    let test: SceneLayers;
    const out = join(root, 'run');

    it('beats Retinex tuned on the training scenes, on held-out scenes', async () => {
      const trained = await trainIntrinsics({
        size: SIZE,
        count: 128,
        steps: STEPS,
        batch: 8,
        out,
        sampleEvery: STEPS,
        options: { features: 16, lr: 2e-3, lambda: 1 },
      });
      model = trained.model;
      const train = await layers('train', 32);
      test = await layers('test', 24);
      const tuned = tuneRetinex(train.image, (e) => intrinsicLmse(train, e));
      const baseline = retinex(test.image, tuned.thresholds);
      const retinexScore = intrinsicLmse(test, baseline);
      const d = model.decompose(test.image);
      const score = intrinsicLmse(test, d);
      console.log(
        `intrinsics: LMSE network ${score.toFixed(4)}, Retinex ${retinexScore.toFixed(4)} (${JSON.stringify(tuned.thresholds)})`,
      );
      expect(score).toBeLessThan(MARGIN * retinexScore);
      tf.dispose([...Object.values(train), baseline.albedo, baseline.shading, ...Object.values(d)]);
    });

    it('the run folder reproduces the trained outputs; apply gives the albedo', async () => {
      const loaded = await loadIntrinsics(out);
      try {
        const a = model.decompose(test.image);
        const b = loaded.decompose(test.image);
        const c = loaded.apply(test.image);
        for (const key of ['albedo', 'shading', 'specular'] as const)
          expect(tf.max(tf.abs(tf.sub(a[key], b[key]))).dataSync()[0], key).toBeLessThan(1e-5);
        expect(tf.max(tf.abs(tf.sub(b.albedo, c))).dataSync()[0]).toBe(0);
        tf.dispose([...Object.values(a), ...Object.values(b), c]);
      } finally {
        loaded.dispose();
      }
    });

    it('refuses wrong channels, sizes, missing layers and bad options with typed errors', async () => {
      expect(() => model.decompose(tf.zeros([1, SIZE, SIZE, 1]) as tf.Tensor4D)).toThrow(
        ShapeError,
      );
      expect(() => model.decompose(tf.zeros([1, 40, 40, 3]) as tf.Tensor4D)).toThrow(
        /multiples of 32/,
      );
      const harness = intrinsicsTask.create({});
      const { specular: _specular, ...noSpecular } = test;
      expect(() => harness.check(noSpecular as SceneLayers)).toThrow(/specular/);
      harness.dispose();
      expect(() => intrinsicsTask.create({ lambda: 2 })).toThrow(ArgumentError);
      expect(() => intrinsicsTask.create({ feature: 3 } as never)).toThrow(ArgumentError);
      await expect(
        intrinsicsTask.data({ size: SIZE, seed: 0, data: 'synthetic:shapes' }),
      ).rejects.toThrow(ArgumentError);
      await expect(intrinsicsTask.data({ size: 40, seed: 0 })).rejects.toThrow(/multiple of 32/);
      model.dispose();
      tf.dispose(Object.values(test));
    });

    it('a training step leaves the tensor count unchanged', async () => {
      const { counts } = await stepCounts(intrinsicsTask, { features: 4 }, { size: 32, count: 4 });
      expect(new Set(counts.slice(1)).size).toBe(1);
    });
  },
  { only: ['wasm'] },
);
