import { readFileSync } from 'node:fs';
import { readSafetensors, rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { cyclegan, type Harness, pix2pix } from '../src/index.js';
import { optimizerVariables, StepRun } from '../src/internal.js';

// Two training steps of junyanz's Pix2PixModel and CycleGANModel in PyTorch
// (tools/parity/gan_steps.py): the same losses, in the same order, with the same
// weights, must give the same numbers and the same networks afterwards.

function fixture(name: string) {
  const { tensors, metadata } = readSafetensors(
    readFileSync(new URL(`./fixtures/${name}-steps.safetensors`, import.meta.url)),
  );
  const group = (prefix: string) => {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, t] of Object.entries(tensors))
      if (k.startsWith(prefix)) out[k.slice(prefix.length)] = t;
    return out;
  };
  const nhwc = (t: tf.Tensor) => tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D;
  return {
    A: nhwc(tensors.A!),
    B: nhwc(tensors.B!),
    group,
    losses: JSON.parse(metadata.losses!) as Record<string, number>[],
    dispose: () => tf.dispose(Object.values(tensors)),
  };
}

async function runSteps(harness: Harness, f: ReturnType<typeof fixture>, nets: string[]) {
  for (const name of nets)
    harness.modules[name]!.loadStateDict(f.group(`init.${name}.`), { from: 'torch' });
  const batch = { A: f.A, B: f.B };
  const variables = optimizerVariables(harness);
  const logged: Record<string, number>[] = [];
  for (let step = 0; step < f.losses.length; step++) {
    const run = new StepRun(step, 0, rng(0), harness, variables);
    harness.step([batch], run);
    const terms = run.finish();
    const values: Record<string, number> = {};
    for (const [k, t] of terms) values[k] = (await t.data())[0]!;
    tf.dispose([...terms.values()]);
    logged.push(values);
  }
  return logged;
}

/**
 * Largest absolute difference between the networks and the reference's final state,
 * except for `noise`: parameters whose true gradient is zero (a conv bias right before
 * an instance norm, which subtracts it again), where both implementations hand Adam
 * their own rounding noise and Adam scales any noise up to a full step.
 */
async function worstWeight(
  harness: Harness,
  f: ReturnType<typeof fixture>,
  nets: string[],
  noise?: RegExp,
) {
  let worst = { key: '', diff: 0 };
  for (const name of nets) {
    const expected = f.group(`final.${name}.`);
    const actual = harness.modules[name]!.stateDict({ to: 'torch' });
    for (const [key, t] of Object.entries(actual)) {
      const e = expected[key];
      expect(e, `${name}.${key}`).toBeDefined();
      if (t.dtype !== 'float32' || noise?.test(`${name}.${key}`)) continue;
      const a = await t.data();
      const b = await e!.data();
      for (let i = 0; i < a.length; i++) {
        const d = Math.abs(a[i]! - b[i]!);
        if (d > worst.diff) worst = { key: `${name}.${key}`, diff: d };
      }
    }
    tf.dispose(Object.values(actual));
  }
  return worst;
}

describeBackends('harness steps against junyanz in PyTorch', () => {
  it('pix2pix: D on the detached fake first, then G against the updated D', async () => {
    const f = fixture('pix2pix');
    const harness = pix2pix({
      netG: 'unet_32',
      ngf: 2,
      ndf: 2,
      norm: 'batch',
      ganMode: 'vanilla',
      lambdaL1: 100,
    });
    const before = tf.memory().numTensors;
    const logged = await runSteps(harness, f, ['G', 'D']);
    logged.forEach((values, step) => {
      for (const [k, v] of Object.entries(f.losses[step]!)) {
        expect(Math.abs(values[k]! - v), `step ${step} ${k}: ${values[k]} vs ${v}`).toBeLessThan(
          2e-5 + 2e-5 * Math.abs(v),
        );
      }
    });
    // Two Adam steps move each weight by up to 4e-4: agreement to 1e-5 means the same updates.
    const worst = await worstWeight(harness, f, ['G', 'D']);
    expect(worst.diff, worst.key).toBeLessThan(1e-5);
    harness.dispose();
    f.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('cyclegan: generators together, then both discriminators on pooled fakes', async () => {
    const f = fixture('cyclegan');
    const harness = cyclegan({
      netG: 'resnet_6blocks',
      ngf: 2,
      ndf: 4,
      norm: 'instance',
      ganMode: 'lsgan',
      size: 32,
      poolSize: 50,
    });
    const logged = await runSteps(harness, f, ['G_A', 'G_B', 'D_A', 'D_B']);
    logged.forEach((values, step) => {
      for (const [k, v] of Object.entries(f.losses[step]!)) {
        expect(Math.abs(values[k]! - v), `step ${step} ${k}: ${values[k]} vs ${v}`).toBeLessThan(
          2e-5 + 2e-5 * Math.abs(v),
        );
      }
    });
    // Conv biases before instance norms: all of the generators' but the last conv's, and
    // the discriminators' model.2, .5, .8.
    const noise = /^(G_[AB]\.(?!model\.26\.).*\.bias|D_[AB]\.model\.[258]\.bias)$/;
    const worst = await worstWeight(harness, f, ['G_A', 'G_B', 'D_A', 'D_B'], noise);
    expect(worst.diff, worst.key).toBeLessThan(1e-5);
    harness.dispose();
    f.dispose();
  });
});
