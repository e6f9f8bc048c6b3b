import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, ShapeError, StateDictError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { Dataset } from '@atelier/datasets';
import { afterAll, expect, it } from 'vitest';
import { createHarness, type HarnessName, harnessData, train } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'atelier-harnesses-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;

/** Each harness at its smallest, with the terms it must log. */
/** `gpu`: also on WebGPU (SwiftShader here: only the quick ones). */
const CASES: {
  name: HarnessName;
  options: Record<string, unknown>;
  batch: number;
  terms: string[];
  gpu?: boolean;
}[] = [
  {
    name: 'gan',
    options: { size: 32, ngf: 4, ndf: 4, latentDim: 8 },
    batch: 4,
    terms: ['D', 'G'],
    gpu: true,
  },
  {
    name: 'gan',
    options: {
      size: 32,
      ngf: 4,
      ndf: 4,
      latentDim: 8,
      loss: 'wasserstein',
      nCritic: 2,
      penalty: 'wgan-gp',
    },
    batch: 4,
    terms: ['D', 'D_GP', 'G'],
  },
  // Each penalty at the points its kind takes (R1, DRAGAN: real only; R2: fake only).
  ...(['r1', 'r2', 'dragan'] as const).map((penalty) => ({
    name: 'gan' as const,
    options: { size: 32, ngf: 4, ndf: 4, latentDim: 8, penalty },
    batch: 4,
    terms: ['D', 'D_GP', 'G'],
  })),
  {
    name: 'cgan',
    options: { size: 32, ngf: 4, ndf: 4, latentDim: 8, numClasses: 4 },
    batch: 4,
    terms: ['D', 'G'],
  },
  {
    name: 'cgan',
    options: { size: 32, ngf: 4, ndf: 4, latentDim: 8, numClasses: 4, auxiliary: true },
    batch: 4,
    terms: ['D', 'D_class', 'G', 'G_class'],
  },
  {
    name: 'pix2pix',
    options: { netG: 'unet_32', ngf: 4, ndf: 4 },
    batch: 1,
    terms: ['D_fake', 'D_real', 'G_GAN', 'G_L1'],
    gpu: true,
  },
  {
    name: 'pix2pix',
    options: {
      netG: 'resnet_6blocks',
      netD: 'pixel',
      ngf: 4,
      ndf: 4,
      ganMode: 'wgangp',
      norm: 'instance',
    },
    batch: 1,
    terms: ['D_GP', 'D_fake', 'D_real', 'G_GAN', 'G_L1'],
  },
  {
    name: 'cyclegan',
    options: { netG: 'resnet_6blocks', ngf: 4, ndf: 4, size: 32, poolSize: 2 },
    batch: 1,
    terms: ['D_A', 'D_B', 'G_A', 'G_B', 'cycle_A', 'cycle_B', 'idt_A', 'idt_B'],
  },
];

describeBackends('harnesses', (backend) => {
  for (const c of CASES) {
    if (backend === 'webgpu' && !c.gpu) continue;
    it(`${c.name} ${JSON.stringify(c.options)}: trains, logs its terms, leaks nothing`, async () => {
      const data = await harnessData(c.name, { size: 32, count: 8, seed: 1 });
      const harness = createHarness(c.name, c.options as never);
      const counts: number[] = [];
      const steps = backend === 'webgpu' ? 3 : 5;
      const result = await train(harness, {
        data: data.dataset,
        batch: c.batch,
        steps,
        logEvery: 1,
        onProgress: (p) => {
          if (p.phase === 'step') counts.push(tf.memory().numTensors);
        },
      });
      expect(Object.keys(result.losses).sort()).toEqual(c.terms);
      for (const v of Object.values(result.losses)) expect(Number.isFinite(v)).toBe(true);
      // Unchanged from the second step on (the optimizers make their state at the first).
      expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(' ')}`).toBe(1);
      harness.dispose();
    });
  }
});

describeBackends(
  'harnesses refuse bad input with typed errors',
  () => {
    const pairs = (a: number[], b: number[]) =>
      Dataset.indexed(2, () => ({ A: tf.zeros(a), B: tf.zeros(b) }));
    it('pix2pix: mismatched channels, sizes the generator cannot take, pairs of two sizes', async () => {
      const h = createHarness('pix2pix', { netG: 'unet_32', ngf: 4, ndf: 4 });
      await expect(train(h, { data: pairs([32, 32, 1], [32, 32, 3]), steps: 1 })).rejects.toThrow(
        /A has 1 channels/,
      );
      await expect(train(h, { data: pairs([32, 48, 3], [32, 48, 3]), steps: 1 })).rejects.toThrow(
        ShapeError,
      );
      await expect(train(h, { data: pairs([32, 32, 3], [64, 64, 3]), steps: 1 })).rejects.toThrow(
        /same batch, height and width/,
      );
      h.dispose();
      expect(() => createHarness('pix2pix', { netG: 'unet_100' } as never)).toThrow(ArgumentError);
      expect(() => createHarness('pix2pix', { lambdaL2: 1 } as never)).toThrow(
        /unknown option lambdaL2/,
      );
      expect(() => createHarness('pix2pix', { ganMode: 'hinge' } as never)).toThrow(/ganMode/);
    });

    it('cyclegan: images of another size than its pools', async () => {
      const h = createHarness('cyclegan', {
        netG: 'resnet_6blocks',
        ngf: 4,
        ndf: 4,
        size: 32,
        poolSize: 1,
      });
      await expect(train(h, { data: pairs([64, 64, 3], [64, 64, 3]), steps: 1 })).rejects.toThrow(
        /built for 32x32/,
      );
      h.dispose();
    });

    it('gan and cgan: wrong image size, missing or out-of-range labels', async () => {
      const g = createHarness('gan', { size: 32, ngf: 4, ndf: 4 });
      const images = (n: number) =>
        Dataset.indexed(2, () => ({ image: tf.zeros([n, n, 3]), label: 7 }));
      await expect(train(g, { data: images(64), steps: 1 })).rejects.toThrow(
        /expected images \[N, 32, 32, 3\]/,
      );
      g.dispose();
      const c = createHarness('cgan', { size: 32, ngf: 4, ndf: 4, numClasses: 4 });
      await expect(train(c, { data: images(32), steps: 1 })).rejects.toThrow(
        /a label is 7, but the harness has 4 classes/,
      );
      await expect(
        train(c, { data: Dataset.indexed(2, () => ({ image: tf.zeros([32, 32, 3]) })), steps: 1 }),
      ).rejects.toThrow(ShapeError);
      c.dispose();
      expect(() => createHarness('gan', { size: 48 } as never)).toThrow(/size must be 32 or 64/);
      expect(() => createHarness('cgan', {} as never)).toThrow(/numClasses/);
    });

    it('a checkpoint from another harness', async () => {
      const out = join(root, `run-${runs++}`);
      const data = await harnessData('pix2pix', { size: 32, count: 2 });
      const p = createHarness('pix2pix', { netG: 'unet_32', ngf: 4, ndf: 4 });
      await train(p, { data: data.dataset, steps: 1, out });
      p.dispose();
      const cycle = createHarness('cyclegan', {
        netG: 'resnet_6blocks',
        ngf: 4,
        ndf: 4,
        size: 32,
        poolSize: 1,
      });
      await expect(
        train(cycle, { data: data.dataset, steps: 2, out, resume: true }),
      ).rejects.toThrow(StateDictError);
      cycle.dispose();
      // The same harness with other networks: the checkpoint does not fit them.
      const wider = createHarness('pix2pix', { netG: 'unet_32', ngf: 8, ndf: 4 });
      await expect(
        train(wider, { data: data.dataset, steps: 2, out, resume: true }),
      ).rejects.toThrow(/options differ|does not fit/);
      wider.dispose();
    });
  },
  { only: ['cpu'] },
);
