import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UnetZGenerator } from '@atelier/blocks';
import { ArgumentError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, expect, it } from 'vitest';
import { bicyclegan, type ChainStage, chain, chainData, harnessData, train } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'atelier-chain-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A tiny BicycleGAN stage whose inference takes z = 0 (the prior's mean). */
function stage(name: string, seed: number): ChainStage {
  const harness = bicyclegan({
    netG: 'unet_32',
    netE: 'resnet_32',
    netD: 'basic_128_multi',
    ngf: 4,
    ndf: 4,
    nef: 4,
    seed,
  });
  return {
    name,
    harness,
    translate: (x, g) =>
      (g.G as UnetZGenerator).forward(x, tf.zeros([x.shape[0], 8]) as tf.Tensor2D),
  };
}

/** Two stages on their own pairs: facades label -> photo, then photo -> label. */
async function data() {
  const facades = await harnessData('bicyclegan', { size: 32, count: 6, seed: 1 });
  const back = await harnessData('bicyclegan', { size: 32, count: 6, seed: 2 });
  const swapped = back.dataset.map((s) => {
    const p = s as { A: tf.Tensor3D; B: tf.Tensor3D };
    return { A: p.B, B: p.A };
  });
  return chainData({ labels: facades.dataset, back: swapped });
}

describeBackends(
  'chain of harnesses',
  () => {
    it('trains each stage on its own pairs in one step, leaks nothing, logs per stage', async () => {
      const h = chain([stage('labels', 1), stage('back', 2)]);
      expect(Object.keys(h.optimizers)).toEqual(['labels_G', 'labels_D', 'back_G', 'back_D']);
      const counts: number[] = [];
      const result = await train(h, {
        data: await data(),
        batch: 2,
        steps: 3,
        logEvery: 1,
        onProgress: (p) => {
          if (p.phase === 'step') counts.push(tf.memory().numTensors);
        },
      });
      expect(Object.keys(result.losses)).toContain('labels_G_L1');
      expect(Object.keys(result.losses)).toContain('back_z_L1');
      expect(new Set(counts.slice(1)).size, counts.join(' ')).toBe(1);
      const x = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
      const outputs = h.run(x);
      expect(outputs.map((o) => o.shape)).toEqual([
        [1, 32, 32, 3],
        [1, 32, 32, 3],
      ]);
      tf.dispose([x, ...outputs]);
      h.dispose();
    });

    it('is one run: resumes bit-identically from its checkpoint', async () => {
      const dataset = await data();
      const go = async (out: string, steps: number, resume: boolean) => {
        const h = chain([stage('labels', 1), stage('back', 2)]);
        await train(h, {
          data: dataset,
          batch: 2,
          steps,
          seed: 4,
          out,
          resume,
          checkpointEvery: 2,
        });
        const w = Object.entries(h.modules).flatMap(([m, mod]) =>
          mod.parameters().map((v, i) => [`${m}.${i}`, Array.from(v.dataSync())] as const),
        );
        h.dispose();
        return Object.fromEntries(w);
      };
      const straight = await go(join(root, 'straight'), 4, false);
      await go(join(root, 'parted'), 2, false);
      const resumed = await go(join(root, 'parted'), 4, true);
      const differing = Object.keys(straight).filter(
        (k) => !straight[k]!.every((v, i) => Object.is(v, resumed[k]?.[i])),
      );
      expect(differing).toEqual([]);
    });

    it('refuses stages without unique names and batches without a stage pair', async () => {
      const a = stage('a', 1);
      expect(() => chain([a, { ...a }])).toThrow(ArgumentError);
      expect(() => chain([{ ...a, name: 'a_b' }])).toThrow(/letters and digits/);
      const h = chain([a]);
      expect(() => h.check({ b_A: tf.zeros([2, 32, 32, 3]) } as never)).toThrow(/a_A and a_B/);
      h.dispose();
    });
  },
  { only: ['cpu'] },
);
