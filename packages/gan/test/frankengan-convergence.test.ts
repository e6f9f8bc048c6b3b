import type { LatentEncoder, UnetZGenerator } from '@atelier/blocks';
import { rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  type ChainBatch,
  createHarness,
  FRANKENGAN_STAGES,
  harnessData,
  train,
} from '../src/index.js';
import { collect } from './helpers/collect.js';

// The FrankenGAN chain learns its three pairings of synthetic facades at 32x32 (mask ->
// label map, label map -> photo, a window's crop -> the same crop rendered 4x finer),
// trained as one run; measured per stage on held-out facades:
// - the target's own code, G(A, μ(E(B))), is closer (L1) to the target than the mean
//   training target is: each stage has learnt its mapping, and E its style;
// - samples of one input from different z differ (mean pairwise L1): a stage whose G
//   ignores z gives 0.
// Measured on wasm after 200 steps at batch 8 (L1 in [-1, 1], own code vs mean target):
// shape 0.480 vs 0.515, labels 0.201 vs 0.349, details 0.244 vs 0.298; diversity 0.146,
// 0.180, 0.058. After 60 steps shape and labels were still at the mean (0.537 vs 0.515,
// 0.355 vs 0.349): the bar is below the mean by 5%, so that an untrained or a
// half-trained stage fails. Asserted: own code < 0.95 x mean target, diversity > 0.01.
// About 50 s of one core (three BicycleGANs); lr 2e-3 instead of the reference's 2e-4.

const STEPS = 200;
const l1 = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describeBackends(
  'frankengan convergence',
  () => {
    it('each stage beats the mean target with its encoded z, and its samples differ', async () => {
      const size = 32;
      const n = 8;
      const data = await harnessData('frankengan', { size, count: 200, seed: 0 });
      const held = await harnessData('frankengan', { size, count: n, seed: 0, split: 'test' });
      const test = await collect<ChainBatch>(held.dataset, n);
      const seen = await collect<ChainBatch>(data.dataset, 64);
      const h = createHarness('frankengan', {
        size,
        ngf: 8,
        ndf: 8,
        nef: 8,
        dropout: false,
        lr: 2e-3,
        seed: 1,
      });
      await train(h, { data: data.dataset, batch: 8, steps: STEPS, seed: 1 });
      const z = rng(99);
      const lines: string[] = [];
      const results = FRANKENGAN_STAGES.map((stage) =>
        tf.tidy(() => {
          const G = h.modules[`${stage}_G`] as UnetZGenerator;
          const E = h.modules[`${stage}_E`] as LatentEncoder;
          const [A, B] = [test[`${stage}_A`]!, test[`${stage}_B`]!];
          const mean = tf.mean(seen[`${stage}_B`]!, 0, true);
          const encoded = l1(G.forward(A, E.forward(B).mu), B);
          const average = l1(tf.broadcastTo(mean, B.shape), B);
          const samples = [0, 1, 2].map(() => G.forward(A, z.normal([n, 8]) as tf.Tensor2D));
          const diversity =
            (l1(samples[0]!, samples[1]!) +
              l1(samples[0]!, samples[2]!) +
              l1(samples[1]!, samples[2]!)) /
            3;
          lines.push(
            `${stage}: L1 encoded ${encoded.toFixed(4)}, mean target ${average.toFixed(4)}, diversity ${diversity.toFixed(4)}`,
          );
          return { stage, encoded, average, diversity };
        }),
      );
      console.log(`frankengan after ${STEPS} steps: ${lines.join('; ')}`);
      for (const r of results) {
        expect(r.encoded, r.stage).toBeLessThan(0.95 * r.average);
        expect(r.diversity, r.stage).toBeGreaterThan(0.01);
      }
      tf.dispose([...Object.values(test), ...Object.values(seen)]);
      h.dispose();
    });
  },
  { only: ['wasm'] },
);
