import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, expect, it } from 'vitest';
import {
  loadSharedSpace,
  modelOf,
  paramErrors,
  readParams,
  retrievalTopK,
  type SharedSpaceModel,
  sharedSpaceTask,
  stackViews,
  trainSharedSpace,
} from '../src/index.js';

// A shared space of sketches, renderings and parameters (16-number code) trained
// 150 steps of 16 objects on 512 synthetic shapes at 16x16 reads held-out objects
// across representations: a sketch decodes to the object's kind, and an image's code
// finds the object's parameter code among 128. Measured on wasm: 82% and 89%. The test
// asks for kind accuracy above 60% (the majority kind: about 25%) and image → params
// top-5 above 40% (chance: 3.9%). The run folder's weights reproduce the translations.

const root = mkdtempSync(join(tmpdir(), 'atelier-shared-space-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SIZE = 16;
const HELD_OUT = 128;

describeBackends(
  'shared space on synthetic shapes',
  () => {
    let model: SharedSpaceModel;
    let test: Awaited<ReturnType<typeof stackViews>>;
    const out = join(root, 'run');

    it('reads held-out objects across representations', async () => {
      const trained = await trainSharedSpace({
        size: SIZE,
        count: 512,
        steps: Number(process.env.SS_STEPS ?? 150),
        batch: 16,
        out,
        sampleEvery: 1000,
        options: { latent: 16, features: 8, hidden: 32, lr: 2e-3 },
      });
      model = trained.model;
      const { dataset } = await sharedSpaceTask.data({
        size: SIZE,
        seed: 0,
        count: HELD_OUT,
        split: 'test',
      });
      test = await stackViews(dataset);
      const unit = (x: tf.Tensor) => tf.div(tf.add(x, 1), 2);
      const [decoded, zi, zp] = tf.tidy(() => [
        model.translate('sketch', 'params', unit(test.sketch)) as tf.Tensor2D,
        model.encode('image', unit(test.image)),
        model.encode('params', test.params),
      ]);
      const e = paramErrors(await readParams(decoded!), await readParams(test.params));
      const [, top5] = await retrievalTopK(zi!, zp!, [1, 5]);
      console.log(`shared space: sketch → kind ${e.kind}, image → params top-5 ${top5}`);
      expect(e.kind).toBeGreaterThan(0.6);
      expect(top5!).toBeGreaterThan(0.4);
      tf.dispose([decoded!, zi!, zp!]);
    });

    it('loads from the run folder and reproduces the translations', async () => {
      const loaded = await loadSharedSpace(out);
      const sketches = tf.tidy(() =>
        tf.div(tf.add(tf.slice(test.sketch, 0, 8), 1), 2),
      ) as tf.Tensor4D;
      const diff = tf.tidy(
        () => tf.max(tf.abs(tf.sub(loaded.apply(sketches), model.apply(sketches)))).dataSync()[0],
      );
      expect(diff).toBeLessThan(1e-6);
      const harness = sharedSpaceTask.create(loaded.config as never);
      const initial = modelOf(sharedSpaceTask, harness);
      harness.dispose();
      const moved = tf.tidy(
        () => tf.max(tf.abs(tf.sub(loaded.apply(sketches), initial.apply(sketches)))).dataSync()[0],
      );
      expect(moved).toBeGreaterThan(0.05);
      expect(loaded.apply(sketches).shape).toEqual([8, SIZE, SIZE, 3]);
      expect(() => loaded.encode('mesh' as never, sketches)).toThrow(/representation/);
      expect(() => loaded.encode('image', sketches)).toThrow(/3 channel/);
      initial.dispose();
      loaded.dispose();
      model.dispose();
      tf.dispose([sketches, test.sketch, test.image, test.params]);
    });
  },
  { only: ['wasm'] },
);
