import { tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { cyclegan, harnessData, type PairBatch, train } from '../src/index.js';
import { collect } from './helpers/collect.js';

// CycleGAN on synthetic seasons (summer <-> winter, unpaired) at 32x32: after 150 steps,
// summer images translated by G_A take on winter's colour statistics (the distance of
// their mean colour to winter's mean colour falls below a quarter of summer's own) while
// G_B brings them back (cycle L1 below 0.2 in [-1, 1] units). Measured on wasm: the
// colour gap closes from 1.03 to 0.06, the cycle L1 is 0.13.

function meanColour(images: tf.Tensor4D): number[] {
  return tf.tidy(() => tf.mean(images, [0, 1, 2]).arraySync() as number[]);
}

function distance(a: number[], b: number[]): number {
  return Math.hypot(...a.map((v, i) => v - b[i]!));
}

describeBackends(
  'cyclegan convergence',
  () => {
    it('moves summer towards winter colours and cycles back', async () => {
      const size = 32;
      const data = await harnessData('cyclegan', { size, count: 200, seed: 0 });
      const held = await harnessData('cyclegan', { size, count: 32, seed: 0, split: 'test' });
      const test = await collect<PairBatch>(held.dataset, 32);
      const harness = cyclegan({ netG: 'resnet_2blocks', ngf: 8, ndf: 8, size, lr: 2e-3, seed: 0 });
      await train(harness, { data: data.dataset, batch: 1, steps: 150, seed: 0, logEvery: 50 });
      const { fakeB, recA } = tf.tidy(() => {
        const f = harness.modules.G_A!.forward(test.A) as tf.Tensor4D;
        return { fakeB: f, recA: harness.modules.G_B!.forward(f) as tf.Tensor4D };
      });
      const winter = meanColour(test.B);
      const before = distance(meanColour(test.A), winter);
      const after = distance(meanColour(fakeB), winter);
      const cycle = tf.tidy(() => tf.mean(tf.abs(tf.sub(recA, test.A))).dataSync()[0]!);
      console.log(
        `cyclegan: colour gap to winter ${before.toFixed(3)} -> ${after.toFixed(3)}, cycle L1 ${cycle.toFixed(3)}`,
      );
      expect(before).toBeGreaterThan(0.5);
      expect(after).toBeLessThan(before / 4);
      expect(cycle).toBeLessThan(0.2);
      tf.dispose([fakeB, recA, test.A, test.B]);
      harness.dispose();
    });
  },
  { only: ['wasm'] },
);
