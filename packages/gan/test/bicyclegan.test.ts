import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { Dataset } from '@atelier/datasets';
import { afterAll, expect, it } from 'vitest';
import {
  type BicycleGanOptions,
  bicyclegan,
  type Harness,
  harnessData,
  klDivergence,
  type LossTerms,
  type PairBatch,
  reparameterize,
  type StepContext,
  train,
} from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'atelier-bicyclegan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The smallest BicycleGAN at 32x32. */
const TINY: BicycleGanOptions = {
  netG: 'unet_32',
  netE: 'resnet_32',
  netD: 'basic_128_multi',
  ngf: 4,
  ndf: 4,
  nef: 4,
};

const TERMS: Record<string, string[]> = {
  bicyclegan: ['D2_fake', 'D2_real', 'D_fake', 'D_real', 'G_GAN', 'G_GAN2', 'G_L1', 'KL', 'z_L1'],
  'cvae-gan': ['D_fake', 'D_real', 'G_GAN', 'G_L1', 'KL'],
  'clr-gan': ['D_fake', 'D_real', 'G_GAN', 'z_L1'],
  'pix2pix+noise': ['D_fake', 'D_real', 'G_GAN', 'G_L1'],
};

/**
 * A step context that records the gradient of optimizer `name`'s loss (as the trainer
 * weighs it) over that optimizer's variables, and applies nothing.
 */
function gradientsOf(harness: Harness<PairBatch>, batch: PairBatch, name: string) {
  const spec = harness.optimizers[name]!;
  const variables = spec.modules.flatMap((m) =>
    harness.modules[m]!.trainableParameters().map((v) => [m, v] as const),
  );
  const out: Record<string, tf.Tensor[]> = {};
  const ctx: StepContext = {
    step: 0,
    epoch: 0,
    rng: rng(7),
    keep: (t) => tf.keep(t),
    log() {},
    update(updating, loss, weights = {}) {
      if (updating !== name) return;
      const parts = Array.isArray(loss) ? loss : [loss];
      const { value, grads } = tf.variableGrads(
        () =>
          tf.addN(
            parts.flatMap((part) =>
              Object.entries(part() as LossTerms).map(([k, t]) => tf.mul(t, weights[k] ?? 1)),
            ),
          ) as tf.Scalar,
        variables.map(([, v]) => v),
      );
      value.dispose();
      for (const [module, v] of variables) (out[module] ??= []).push(grads[v.name]!);
    },
  };
  harness.step([batch], ctx);
  return out;
}

async function pairs(n: number): Promise<PairBatch> {
  const data = await harnessData('bicyclegan', { size: 32, count: n, seed: 2 });
  const samples = await Promise.all(Array.from({ length: n }, (_, i) => data.dataset.get(i)));
  return {
    A: tf.stack(samples.map((s) => (s as PairBatch & { A: tf.Tensor3D }).A)) as tf.Tensor4D,
    B: tf.stack(samples.map((s) => (s as { B: tf.Tensor3D }).B)) as tf.Tensor4D,
  };
}

describeBackends('bicyclegan', (backend) => {
  for (const variant of Object.keys(TERMS)) {
    if (backend !== 'cpu' && variant !== 'bicyclegan') continue;
    it(`${variant}: trains, logs its terms, leaks no tensor per step`, async () => {
      const data = await harnessData('bicyclegan', { size: 32, count: 8, seed: 1 });
      const harness = bicyclegan({ ...TINY, variant: variant as BicycleGanOptions['variant'] });
      const counts: number[] = [];
      const result = await train(harness, {
        data: data.dataset,
        batch: 2,
        steps: 4,
        logEvery: 1,
        onProgress: (p) => {
          if (p.phase === 'step') counts.push(tf.memory().numTensors);
        },
      });
      expect(Object.keys(result.losses).sort()).toEqual(TERMS[variant]);
      for (const v of Object.values(result.losses)) expect(Number.isFinite(v)).toBe(true);
      expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(' ')}`).toBe(1);
      harness.dispose();
    });
  }

  it("the cLR-GAN z loss reaches G's weights, never E's", async () => {
    const batch = await pairs(2);
    const withZ = bicyclegan({ ...TINY, dropout: false, lambdaZ: 0.5 });
    const withoutZ = bicyclegan({ ...TINY, dropout: false, lambdaZ: 0 });
    const a = gradientsOf(withZ, batch, 'G');
    const b = gradientsOf(withoutZ, batch, 'G');
    // E's gradient is the same bit for bit with or without the z loss; G's is not.
    for (let i = 0; i < a.E!.length; i++) {
      // data(), not dataSync(): WebGPU in Node has no synchronous read.
      expect(await a.E![i]!.data(), `E variable ${i}`).toEqual(await b.E![i]!.data());
    }
    const gDiff: number[] = [];
    for (let i = 0; i < a.G!.length; i++) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.G![i]!, b.G![i]!))));
      gDiff.push((await diff.data())[0]!);
      diff.dispose();
    }
    expect(Math.max(...gDiff)).toBeGreaterThan(1e-6);
    tf.dispose([...Object.values(a).flat(), ...Object.values(b).flat(), batch.A, batch.B]);
    withZ.dispose();
    withoutZ.dispose();
  });

  it('resumes bit-identically from its checkpoint (a fresh harness, the same weights)', async () => {
    const data = await harnessData('bicyclegan', { size: 32, count: 6, seed: 4 });
    const options = { ...TINY, seed: 3 };
    const run = async (out: string, steps: number, resume: boolean) => {
      const h = bicyclegan(options);
      await train(h, {
        data: data.dataset,
        batch: 2,
        steps,
        seed: 5,
        out,
        resume,
        checkpointEvery: 3,
      });
      const weights = Object.fromEntries(
        Object.entries(h.modules).flatMap(([m, mod]) =>
          mod.parameters().map((v, i) => [`${m}.${i}`, Array.from(v.dataSync())]),
        ),
      );
      h.dispose();
      return weights;
    };
    const straight = await run(join(root, `straight-${backend}`), 6, false);
    await run(join(root, `halves-${backend}`), 3, false);
    const resumed = await run(join(root, `halves-${backend}`), 6, true);
    // Compared variable by variable: a mismatch names the first that differs.
    const differing = Object.keys(straight).filter(
      (k) => !straight[k]!.every((v, i) => Object.is(v, resumed[k]?.[i])),
    );
    expect(differing).toEqual([]);
  });
});

describeBackends(
  'bicyclegan refuses bad input with typed errors',
  () => {
    const data = (n: number, a: number[], b: number[]) =>
      Dataset.indexed(n, () => ({ A: tf.zeros(a), B: tf.zeros(b) }));
    it('an odd batch, a size the encoder does not take, wrong channels, no pairs', async () => {
      const h = bicyclegan(TINY);
      const ok = [32, 32, 3];
      await expect(train(h, { data: data(3, ok, ok), batch: 3, steps: 1 })).rejects.toThrow(
        /must be even, got 3/,
      );
      const h64 = bicyclegan({ ...TINY, netG: 'unet_32' });
      await expect(
        train(h64, { data: data(2, [64, 64, 3], [64, 64, 3]), batch: 2, steps: 1 }),
      ).rejects.toThrow(/encoder resnet_32 takes 32x32/);
      await expect(
        train(h, { data: data(2, [32, 32, 1], ok), batch: 2, steps: 1 }),
      ).rejects.toThrow(ShapeError);
      await expect(
        train(h, { data: Dataset.indexed(2, () => ({ image: tf.zeros(ok) })), batch: 2, steps: 1 }),
      ).rejects.toThrow(/expected a batch \{ A, B \}/);
      expect(() => bicyclegan({ ...TINY, netE: 'resnet_24' })).toThrow(/netE must be/);
      expect(() => bicyclegan({ ...TINY, netG: 'resnet_9blocks' as never })).toThrow(/unet_N/);
      expect(() => bicyclegan({ ...TINY, variant: 'vae' as never })).toThrow(/variant must be/);
      h.dispose();
      h64.dispose();
    });
  },
  { only: ['cpu'] },
);

describeBackends(
  'bicyclegan losses',
  () => {
    it('KL and the reparameterisation match their closed forms', () => {
      const mu = tf.tensor2d([[0.5, -1]]);
      const logvar = tf.tensor2d([[0, Math.log(4)]]);
      // −½ Σ (1 + log σ² − μ² − σ²) = −½ [(1 + 0 − .25 − 1) + (1 + ln 4 − 1 − 4)]
      const expected = -0.5 * (1 + 0 - 0.25 - 1 + (1 + Math.log(4) - 1 - 4));
      expect(klDivergence({ mu, logvar }).dataSync()[0]).toBeCloseTo(expected, 5);
      const z = reparameterize({ mu, logvar }, tf.tensor2d([[2, 0.5]]));
      expect(Array.from(z.dataSync())).toEqual([2.5, 0]);
    });
  },
  { only: ['cpu'] },
);
