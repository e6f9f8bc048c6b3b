import { tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  type ChainHarness,
  createHarness,
  frankenganStyles,
  harnessData,
  train,
} from '../src/index.js';

describeBackends(
  'frankengan',
  () => {
    it('its data: mask -> labels, labels -> photo, the detail crop -> the same crop at twice the resolution', async () => {
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
      tf.dispose([...Object.values(s), ...Object.values(other)]);
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
      const outputs = h.run(tf.expandDims(mask.shape_A!, 0) as tf.Tensor4D);
      expect(outputs.map((o) => o.shape)).toEqual([
        [1, 32, 32, 3],
        [1, 32, 32, 3],
        [1, 32, 32, 3],
      ]);
      // One exemplar photo pins the photo stages' style; the label stage keeps z = 0.
      const photo = tf.expandDims(mask.labels_B!, 0) as tf.Tensor4D;
      const styles = frankenganStyles(h, photo);
      const styled = h.run(tf.expandDims(mask.shape_A!, 0) as tf.Tensor4D, undefined, styles);
      const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      expect(diff(styled[0]!, outputs[0]!)).toBe(0);
      expect(diff(styled[1]!, outputs[1]!)).toBeGreaterThan(0);
      tf.dispose([...outputs, ...styled, photo, ...Object.values(styles), ...Object.values(mask)]);
      h.dispose();
    });

    it('refuses a folder and sizes that are not powers of two', async () => {
      await expect(harnessData('frankengan', { data: '/tmp', size: 32 })).rejects.toThrow(
        /trains on synthetic:facades/,
      );
      expect(() => createHarness('frankengan', { size: 48 })).toThrow(/power of two/);
    });
  },
  { only: ['cpu'] },
);
