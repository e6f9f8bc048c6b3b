import { ArgumentError, rng, tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { driftPenalty, type GradientPenaltyOptions, gradientPenalty } from '../src/index.js';
import {
  type Activation,
  type DWeights,
  discriminate,
  leaky,
  leakyReusingOutput,
  tanhReusingOutput,
} from './discriminator.js';
import { expectClose, expectNoLeak, fixture, points, tensor } from './helpers.js';

const F = () => fixture().penalty;

interface Setup {
  w: DWeights;
  real: tf.Tensor;
  fake: tf.Tensor;
  alpha: tf.Tensor;
  noise: tf.Tensor;
}

function setup(): Setup {
  const f = F();
  return {
    w: { w1: tensor(f.w1), b1: tensor(f.b1), w2: tensor(f.w2), b2: tensor(f.b2) },
    real: tensor(f.real),
    fake: tensor(f.fake),
    alpha: tensor(f.alpha),
    noise: tensor(f.noise),
  };
}

function dispose(s: Setup): void {
  tf.dispose([...Object.values(s.w), s.real, s.fake, s.alpha, s.noise]);
}

/** The fixture's cases: name in losses.json and the options that reproduce it. */
function cases(s: Setup): [string, GradientPenaltyOptions][] {
  return [
    ['wgan_gp', { kind: 'wgan-gp', real: s.real, fake: s.fake, alpha: s.alpha }],
    [
      'wgan_gp_one_sided',
      { kind: 'wgan-gp', real: s.real, fake: s.fake, alpha: s.alpha, oneSided: true, target: 0.9 },
    ],
    ['r1', { kind: 'r1', real: s.real }],
    ['r2', { kind: 'r2', fake: s.fake }],
    ['dragan', { kind: 'dragan', real: s.real, alpha: s.alpha, noise: s.noise }],
  ];
}

/** The penalty as a function of D's weights, for tf.grads and checkGrad. */
function ofWeights(options: GradientPenaltyOptions, act: Activation = leaky) {
  return (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) =>
    gradientPenalty((x) => discriminate(x, { w1, b1, w2, b2 }, act), options);
}

describeBackends('gradient penalties', (backend) => {
  it("match torch.autograd.grad(create_graph=True) through the same D: values, per-sample terms, D's weight gradients", async () => {
    const s = setup();
    const params = [s.w.w1, s.w.b1, s.w.w2, s.w.b2];
    for (const [name, options] of cases(s)) {
      const ref = F()[name];
      await expectNoLeak(async () => {
        const value = gradientPenalty((x) => discriminate(x, s.w), options);
        const terms = gradientPenalty((x) => discriminate(x, s.w), {
          ...options,
          reduction: 'none',
        });
        await expectClose(value, ref.value, 1e-5, 1e-4);
        await expectClose(terms, ref.terms, 1e-5, 1e-4);
        // b2 cannot reach the input gradient (PyTorch's is zero): differentiate the rest.
        const grads = tf.grads((w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor) =>
          ofWeights(options)(w1, b1, w2, s.w.b2),
        )(params.slice(0, 3));
        expect(F()[name].grads[3].data).toEqual([0]);
        for (let i = 0; i < 3; i++) {
          await expectClose(grads[i]!, ref.grads[i], 2e-5, 2e-4).catch((e) => {
            throw new Error(`${name}, gradient of parameter ${i}: ${e.message}`);
          });
        }
        tf.dispose([value, terms, ...grads]);
      });
    }
    dispose(s);
  });

  // Finite differences of penalties take many passes: SwiftShader's WebGPU is left to the
  // PyTorch comparison above.
  it.skipIf(backend === 'webgpu')(
    "their gradients with respect to D's weights (second order of D) agree with finite differences",
    async () => {
      const s = setup();
      for (const [name, options] of cases(s)) {
        const f = (w1: tf.Tensor, w2: tf.Tensor) => ofWeights(options)(w1, s.w.b1, w2, s.w.b2);
        const result = await checkGrad(f as (...t: tf.Tensor[]) => tf.Tensor, [s.w.w1, s.w.w2], {
          step: 1e-3,
          maxPoints: points(backend, 8),
        });
        expect(result.ok, `${name}: ${JSON.stringify(result.failures)}`).toBe(true);
      }
      dispose(s);
    },
  );

  it.skipIf(backend === 'webgpu')(
    'R1 and WGAN-GP also differentiate with respect to the samples (order 1 and 2 in x)',
    async () => {
      const s = setup();
      const r1 = (x: tf.Tensor) =>
        gradientPenalty((y) => discriminate(y, s.w), { kind: 'r1', real: x });
      const gp = (x: tf.Tensor) =>
        gradientPenalty((y) => discriminate(y, s.w), {
          kind: 'wgan-gp',
          real: x,
          fake: s.fake,
          alpha: s.alpha,
        });
      const maxPoints = points(backend, 8);
      for (const [name, f, order] of [
        ['r1', r1, 1],
        ['wgan-gp', gp, 1],
        ['r1', r1, 2],
      ] as const) {
        const result = await checkGrad(f, [s.real], { order, step: 1e-3, maxPoints });
        expect(result.ok, `${name} order ${order}: ${JSON.stringify(result.failures)}`).toBe(true);
      }
      dispose(s);
    },
  );

  it('a discriminator whose activation reuses its output in its gradient fails the check', async () => {
    const s = setup();
    const options: GradientPenaltyOptions = {
      kind: 'wgan-gp',
      real: s.real,
      fake: s.fake,
      alpha: s.alpha,
    };
    const maxPoints = points(backend, 8);
    const check = (act: Activation) =>
      checkGrad(
        ((w1: tf.Tensor, w2: tf.Tensor) => ofWeights(options, act)(w1, s.w.b1, w2, s.w.b2)) as (
          ...t: tf.Tensor[]
        ) => tf.Tensor,
        [s.w.w1, s.w.w2],
        { step: 1e-3, maxPoints },
      );
    // The faulty leakyRelu gives the right penalty (first order is right) ...
    const bad = gradientPenalty((x) => discriminate(x, s.w, leakyReusingOutput), options);
    await expectClose(bad, F().wgan_gp.value, 1e-5, 1e-4);
    bad.dispose();
    // ... but the wrong gradient of it, which finite differences and PyTorch both expose
    // (finite differences not on SwiftShader's slow WebGPU).
    if (backend !== 'webgpu') {
      const faulty = await check(leakyReusingOutput);
      expect(faulty.ok).toBe(false);
      expect(faulty.worst).toBeGreaterThan(5);
    }
    const [gw1] = tf.grads((w1: tf.Tensor) =>
      ofWeights(options, leakyReusingOutput)(w1, s.w.b1, s.w.w2, s.w.b2),
    )([s.w.w1]);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(gw1!, tensor(F().wgan_gp.grads[0])))));
    const diff = (await gap.data())[0]!;
    gap.dispose();
    expect(diff).toBeGreaterThan(1e-2);
    tf.dispose(gw1!);
    if (backend !== 'webgpu') {
      // The same with tanh: core's tanh passes, one whose gradient is dy·(1 - y²) fails.
      expect((await check(tf.tanh)).ok).toBe(true);
      expect((await check(tanhReusingOutput)).ok).toBe(false);
    }
    dispose(s);
  });

  it('draws interpolation coefficients from a seed or an Rng, and refuses to guess', async () => {
    const s = setup();
    const D = (x: tf.Tensor) => discriminate(x, s.w);
    const value = async (o: Partial<GradientPenaltyOptions>) => {
      const t = gradientPenalty(D, { kind: 'wgan-gp', real: s.real, fake: s.fake, ...o });
      const v = (await t.data())[0]!;
      t.dispose();
      return v;
    };
    await expectNoLeak(async () => {
      expect(await value({ seed: 7 })).toBe(await value({ seed: 7 }));
      expect(await value({ seed: 7 })).not.toBe(await value({ seed: 8 }));
      const source = rng(3);
      const first = await value({ rng: source });
      expect(await value({ rng: source })).not.toBe(first);
      expect(await value({ rng: rng(3) })).toBe(first);
      // Drawn α equal to given α give the same penalty.
      const alpha = rng(3).uniform([2]);
      expect(await value({ alpha })).toBeCloseTo(first, 6);
      alpha.dispose();
      const dragan = gradientPenalty(D, { kind: 'dragan', real: s.real, seed: 1 });
      dragan.dispose();
    });
    expect(() => gradientPenalty(D, { kind: 'wgan-gp', real: s.real, fake: s.fake })).toThrow(
      ArgumentError,
    );
    expect(() => gradientPenalty(D, { kind: 'dragan', real: s.real, alpha: s.alpha })).toThrow(
      /noise, or rng/,
    );
    dispose(s);
  });

  it("one-sided penalties ignore samples whose gradient norm is under the target; ProGAN's drift", async () => {
    const s = setup();
    const ref = F().wgan_gp_one_sided;
    const terms = gradientPenalty((x) => discriminate(x, s.w), {
      kind: 'wgan-gp',
      real: s.real,
      fake: s.fake,
      alpha: s.alpha,
      oneSided: true,
      target: 0.9,
      reduction: 'none',
    });
    const data = await terms.data();
    expect(ref.norms.data[0]).toBeLessThan(0.9);
    expect(data[0]).toBe(0);
    expect(data[1]).toBeGreaterThan(0);
    terms.dispose();
    const logits = tensor(F().logits_real);
    const drift = driftPenalty(logits);
    await expectClose(drift, F().drift, 1e-8, 1e-4);
    const weighted = gradientPenalty((x) => discriminate(x, s.w), {
      kind: 'r1',
      real: s.real,
      weight: 5,
    });
    await expectClose(weighted, 5 * F().r1.value, 1e-5, 1e-4);
    tf.dispose([logits, drift, weighted]);
    dispose(s);
  });
});
