import { ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { synthetic } from '@atelier/datasets';
import { expect, it } from 'vitest';
import {
  type ChainHarness,
  createHarness,
  frankenganStyles,
  harnessData,
  labelOpenings,
  refineOpenings,
  train,
} from '../src/index.js';

describeBackends(
  'frankengan',
  () => {
    it("its data: mask -> labels, labels -> photo, a window's crop -> the same crop rendered 4x finer", async () => {
      const data = await harnessData('frankengan', { size: 32, count: 2, seed: 5 });
      const s = (await data.dataset.get(0)) as Record<string, tf.Tensor3D>;
      expect(Object.keys(s).sort()).toEqual([
        'details_A',
        'details_B',
        'labels_A',
        'labels_B',
        'shape_A',
        'shape_B',
      ]);
      for (const t of Object.values(s)) expect(t.shape).toEqual([32, 32, 3]);
      // The label map of one stage is the input of the next.
      expect(await s.shape_B!.data()).toEqual(await s.labels_A!.data());
      // The mask is the building: only ±1.
      expect(new Set(await s.shape_A!.data())).toEqual(new Set([-1, 1]));
      // The detail target renders the input's region: close to it, far from another facade's.
      const other = (await data.dataset.get(1)) as Record<string, tf.Tensor3D>;
      const l1 = (a: tf.Tensor, b: tf.Tensor) => tf.mean(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      expect(l1(s.details_A!, s.details_B!)).toBeLessThan(0.5 * l1(s.details_A!, other.details_B!));
      // ... and finer: more contrast between neighbouring pixels than the upsampled input
      // (over a few facades: one window's crop can be mostly glass).
      const edges = (x: tf.Tensor3D) =>
        tf.tidy(
          () =>
            tf
              .mean(tf.abs(tf.sub(tf.slice(x, [1, 0, 0]), tf.slice(x, [0, 0, 0], [31, -1, -1]))))
              .dataSync()[0]!,
        );
      let [edgesA, edgesB] = [0, 0];
      for (let i = 0; i < 6; i++) {
        const t = (await data.dataset.get(i % 2, Math.floor(i / 2))) as Record<string, tf.Tensor3D>;
        edgesA += edges(t.details_A!);
        edgesB += edges(t.details_B!);
        tf.dispose(Object.values(t));
      }
      expect(edgesB).toBeGreaterThan(1.2 * edgesA);
      // Another epoch crops another opening of the same facade.
      const next = (await data.dataset.get(0, 1)) as Record<string, tf.Tensor3D>;
      expect(l1(next.details_A!, s.details_A!)).toBeGreaterThan(0);
      tf.dispose([...Object.values(s), ...Object.values(other), ...Object.values(next)]);
    });

    it('trains its three stages as one run and runs a mask through all of them, leaking nothing', async () => {
      const data = await harnessData('frankengan', { size: 32, count: 4, seed: 5 });
      const h = createHarness('frankengan', { size: 32, ngf: 4, ndf: 4, nef: 4 }) as ChainHarness;
      expect(h.name).toBe('frankengan');
      expect(h.config).toMatchObject({ size: 32, ngf: 4 });
      const counts: number[] = [];
      const result = await train(h, {
        data: data.dataset,
        batch: 2,
        steps: 3,
        onProgress: (p) => {
          if (p.phase === 'step') counts.push(tf.memory().numTensors);
        },
      });
      for (const stage of ['shape', 'labels', 'details'])
        expect(Object.keys(result.losses)).toContain(`${stage}_G_L1`);
      expect(new Set(counts.slice(1)).size, counts.join(' ')).toBe(1);
      const mask = (await data.dataset.get(0)) as Record<string, tf.Tensor3D>;
      const input = tf.expandDims(mask.shape_A!, 0) as tf.Tensor4D;
      const outputs = h.run(input);
      // Labels and the facade at the mask's size, the details pasted into it at 4x.
      expect(outputs.map((o) => o.shape)).toEqual([
        [1, 32, 32, 3],
        [1, 32, 32, 3],
        [1, 128, 128, 3],
      ]);
      const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      // The asynchronous run (any backend) gives the same outputs.
      const again = await h.runAsync(input);
      for (const [i, y] of again.entries()) expect(diff(y, outputs[i]!)).toBe(0);
      tf.dispose(again);
      // One exemplar facade (label map and photo) pins every stage's style.
      const exemplar = {
        labels: tf.expandDims(mask.labels_A!, 0) as tf.Tensor4D,
        photo: tf.expandDims(mask.labels_B!, 0) as tf.Tensor4D,
      };
      const styles = await frankenganStyles(h, exemplar);
      expect(Object.keys(styles).sort()).toEqual(['details', 'labels', 'shape']);
      // Each stage alone with its pinned code against z = 0, on the exemplar's own
      // inputs (the untrained label stage draws no windows for the details to find).
      const real = [input, exemplar.labels, exemplar.photo];
      for (const [i, stage] of h.stages.entries()) {
        const g = { G: h.modules[`${stage.name}_G`]! };
        const earlier = [exemplar.labels, exemplar.photo].slice(0, i);
        const pinned = stage.translate(real[i]!, g, styles[stage.name], earlier);
        const plain = stage.translate(real[i]!, g, undefined, earlier);
        expect(diff(pinned, plain), stage.name).toBeGreaterThan(0);
        tf.dispose([pinned, plain]);
      }
      await expect(
        frankenganStyles(h, { labels: input, photo: tf.zeros([1, 16, 16, 3]) }),
      ).rejects.toThrow(/photo must be \[1, 32, 32, 3\]/);
      tf.dispose([...outputs, input, ...Object.values(exemplar), ...Object.values(styles)]);
      tf.dispose(Object.values(mask));
      h.dispose();
    });

    it('pastes each redrawn window and door into its rectangle at 4x, the rest the upsampled photo', async () => {
      const sample = (await synthetic.facades({ size: 32, count: 1, seed: 7 }).get(0))!;
      const labels = tf.expandDims(sample.A, 0) as tf.Tensor4D;
      const photo = tf.expandDims(sample.B, 0) as tf.Tensor4D;
      const openings = labelOpenings(labels)[0]!;
      expect(openings.length).toBeGreaterThan(2);
      const crops: number[][] = [];
      const out = refineOpenings(labels, photo, (c, i) => {
        crops.push([...c.shape, i]);
        return tf.fill(c.shape, 2) as tf.Tensor4D; // out of range: marks what was pasted
      });
      expect(crops).toEqual([[openings.length, 32, 32, 3, 0]]);
      const pasted = (await tf.all(tf.equal(out, 2), 3).data()) as Uint8Array;
      const inside = new Uint8Array(128 * 128);
      for (const o of openings)
        for (let y = Math.round(o.y0 * 128); y < Math.round(o.y1 * 128); y++)
          for (let x = Math.round(o.x0 * 128); x < Math.round(o.x1 * 128); x++)
            inside[y * 128 + x] = 1;
      expect(Array.from(pasted)).toEqual(Array.from(inside));
      // Outside the openings: the photo upsampled.
      const up = tf.image.resizeBilinear(photo, [128, 128], true);
      const rest = tf.where(
        tf.cast(tf.reshape(tf.tensor1d(inside), [1, 128, 128, 1]), 'bool'),
        up,
        out,
      );
      expect(tf.max(tf.abs(tf.sub(rest, up))).dataSync()[0]).toBe(0);
      expect(() => refineOpenings(labels, tf.zeros([1, 16, 16, 3]), (c) => c)).toThrow(/differ/);
      tf.dispose([sample.A, sample.B, sample.labels, labels, photo, out, up, rest]);
    });

    it('refuses a folder and sizes that are not powers of two', async () => {
      await expect(harnessData('frankengan', { data: '/tmp', size: 32 })).rejects.toThrow(
        /trains on synthetic:facades/,
      );
      expect(() => createHarness('frankengan', { size: 48 })).toThrow(/power of two/);
    });

    it('refuses batches without a stage pair, or whose images do not fit the stage', async () => {
      const h = createHarness('frankengan', { size: 32, ngf: 2, ndf: 2, nef: 2 });
      const image = (c: number) => tf.zeros([2, 32, 32, c]) as tf.Tensor4D;
      const batch = Object.fromEntries(
        ['shape', 'labels', 'details'].flatMap((s) => [
          [`${s}_A`, image(3)],
          [`${s}_B`, image(3)],
        ]),
      );
      expect(() => h.check(batch)).not.toThrow();
      const { details_B: _, ...missing } = batch;
      expect(() => h.check(missing)).toThrow(ShapeError);
      expect(() => h.check(missing)).toThrow(/details_A and details_B/);
      expect(() => h.check({ ...batch, labels_A: image(1) })).toThrow(ShapeError);
      tf.dispose(Object.values(batch));
      h.dispose();
    });
  },
  { only: ['cpu'] },
);
