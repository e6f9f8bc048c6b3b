import { tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  ADVERSARIAL_KINDS,
  type AdversarialKind,
  adversarial,
  driftPenalty,
} from '../src/index.js';
import { type DWeights, discriminate } from './discriminator.js';
import { expectClose, expectNoLeak, fixture, points, tensor } from './helpers.js';

const F = () => fixture().adversarial;

describeBackends('adversarial losses', (backend) => {
  it('match TF-GAN definitions written with PyTorch (values and gradients, patch logits)', async () => {
    const f = F();
    const r = tensor(f.real);
    const fk = tensor(f.fake);
    await expectNoLeak(async () => {
      for (const c of f.cases) {
        const label = `${c.kind} ${JSON.stringify(c.options)}`;
        const gOptions = {
          ...(c.options.realLabel === undefined ? {} : { realLabel: c.options.realLabel }),
          ...(c.options.fakeLabel === undefined ? {} : { fakeLabel: c.options.fakeLabel }),
        };
        const d = adversarial.discriminator(c.kind, r, fk, c.options);
        await expectClose(d, c.discriminator).catch((e) => {
          throw new Error(`${label} discriminator: ${e.message}`);
        });
        d.dispose();
        if (c.generator === undefined) continue;
        const rel = c.kind === 'relativistic';
        const genFn = (real: tf.Tensor, fake: tf.Tensor) =>
          adversarial.generator(c.kind, fake, {
            ...gOptions,
            ...(rel ? { realLogits: real } : {}),
          });
        const g = genFn(r, fk);
        await expectClose(g, c.generator).catch((e) => {
          throw new Error(`${label} generator: ${e.message}`);
        });
        // Only the relativistic generator loss depends on the real logits.
        const [gf, gr] = rel
          ? tf.grads((fake: tf.Tensor, real: tf.Tensor) => genFn(real, fake))([fk, r])
          : tf.grads((fake: tf.Tensor) => genFn(r, fake))([fk]);
        await expectClose(gf!, c.generator_grad_fake, 1e-6);
        if (rel) await expectClose(gr!, c.generator_grad_real, 1e-6);
        const [dr, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          adversarial.discriminator(c.kind, a, b, c.options),
        )([r, fk]);
        await expectClose(dr!, c.discriminator_grad_real, 1e-6);
        await expectClose(df!, c.discriminator_grad_fake, 1e-6);
        tf.dispose([g, gf!, dr!, df!, ...(gr ? [gr] : [])]);
      }
    });
    tf.dispose([r, fk]);
  });

  it('first-order gradients (logits of patch shape) agree with finite differences; labels may be tensors', async () => {
    const r = tensor(F().real);
    const fk = tensor(F().fake);
    const maxPoints = points(backend, 8);
    for (const kind of ADVERSARIAL_KINDS) {
      const g =
        kind === 'relativistic'
          ? await checkGrad(
              (a, b) => adversarial.generator(kind, b!, { realLogits: a! }),
              [r, fk],
              {
                maxPoints,
              },
            )
          : await checkGrad((b) => adversarial.generator(kind, b!), [fk], { maxPoints });
      const d = await checkGrad((a, b) => adversarial.discriminator(kind, a!, b!), [r, fk], {
        maxPoints,
      });
      expect(g.ok, `${kind} generator: ${JSON.stringify(g.failures)}`).toBe(true);
      expect(d.ok, `${kind} discriminator: ${JSON.stringify(d.failures)}`).toBe(true);
    }
    const drift = await checkGrad((a) => driftPenalty(a!), [r], { maxPoints });
    expect(drift.ok, JSON.stringify(drift.failures)).toBe(true);
    // A label tensor (per logit, or broadcasting) is the same as the number it holds.
    await expectNoLeak(async () => {
      const labels = tf.fill([2, 1, 1, 1], 0.9);
      const asTensor = adversarial.discriminator('nonSaturating', r, fk, { realLabel: labels });
      const asNumber = adversarial.discriminator('nonSaturating', r, fk, { realLabel: 0.9 });
      await expectClose(asTensor, Array.from(await asNumber.data()), 1e-6);
      tf.dispose([labels, asTensor, asNumber]);
    });
    tf.dispose([r, fk]);
  });

  it("reduction 'none' gives per-patch terms whose mean is the loss", async () => {
    const r = tensor(F().real);
    const fk = tensor(F().fake);
    for (const kind of ADVERSARIAL_KINDS) {
      const extra = kind === 'relativistic' ? { realLogits: r } : {};
      const none = adversarial.generator(kind, fk, { ...extra, reduction: 'none' });
      expect(none.shape).toEqual(fk.shape);
      const mean = adversarial.generator(kind, fk, extra);
      const dNone = adversarial.discriminator(kind, r, fk, { reduction: 'none' });
      const dMean = adversarial.discriminator(kind, r, fk);
      // Relativistic 'none' adds two per-logit terms whose means add up the same way.
      await expectClose(tf.mean(none), await mean.data().then((d) => d[0]!), 1e-5);
      await expectClose(tf.mean(dNone), await dMean.data().then((d) => d[0]!), 1e-5);
      tf.dispose([none, mean, dNone, dMean]);
    }
    tf.dispose([r, fk]);
  });

  /** D's logits on real and on x with weights w1, w2 (the rest from the fixture). */
  function pair(w: DWeights, xr: tf.Tensor, x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) {
    const p = { ...w, w1, w2 };
    return [discriminate(xr, p), discriminate(x, p)] as const;
  }

  function lossOf(
    kind: AdversarialKind,
    side: 'generator' | 'discriminator',
    w: DWeights,
    xr: tf.Tensor,
  ) {
    return (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) => {
      const [real, fake] = pair(w, xr, x, w1, w2);
      return side === 'generator'
        ? adversarial.generator(kind, fake, kind === 'relativistic' ? { realLogits: real } : {})
        : adversarial.discriminator(kind, real, fake);
    };
  }

  function penaltySetup() {
    const f = fixture().penalty;
    const w: DWeights = { w1: tensor(f.w1), b1: tensor(f.b1), w2: tensor(f.w2), b2: tensor(f.b2) };
    return { w, x: tensor(f.fake), xr: tensor(f.real) };
  }

  it("second-order gradients through D (instance norm, leakyRelu) match PyTorch's double backward", async () => {
    const { w, x, xr } = penaltySetup();
    const v = tensor(F().projection);
    // SwiftShader's WebGPU is slow: three kinds (sigmoid, hinge, relativistic) stand for all.
    const kinds =
      backend === 'webgpu'
        ? (['nonSaturating', 'hinge', 'relativistic'] as const)
        : ADVERSARIAL_KINDS;
    for (const kind of kinds) {
      for (const side of ['generator', 'discriminator'] as const) {
        const loss = lossOf(kind, side, w, xr);
        // The gradient of v · dL/dx with respect to x, w1 and w2.
        const grads = tf.grads((a: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) => {
          const [gx] = tf.grads((b: tf.Tensor) => loss(b, w1, w2))([a]);
          return tf.sum(tf.mul(gx!, v));
        })([x, w.w1, w.w2]);
        const ref = F().second_order[kind][side];
        for (let i = 0; i < 3; i++) {
          await expectClose(grads[i]!, ref[i], 2e-5, 5e-4).catch((e) => {
            throw new Error(`${kind} ${side}, input ${i}: ${e.message}`);
          });
        }
        tf.dispose(grads);
      }
    }
    tf.dispose([x, xr, v, ...Object.values(w)]);
  });

  // Finite differences of a gradient need many passes: SwiftShader's WebGPU is left to
  // the PyTorch comparison above.
  it.skipIf(backend === 'webgpu')(
    'second-order gradients agree with finite differences',
    async () => {
      const { w, x, xr } = penaltySetup();
      for (const kind of ADVERSARIAL_KINDS) {
        for (const side of ['generator', 'discriminator'] as const) {
          const result = await checkGrad(
            lossOf(kind, side, w, xr) as (...t: tf.Tensor[]) => tf.Tensor,
            [x, w.w1, w.w2],
            // A small step: the fixture keeps D's pre-activations 0.04 from leakyRelu's
            // kink, where a gradient (what order 2 differentiates) jumps.
            { order: 2, maxPoints: 10, step: 1e-3 },
          );
          expect(result.ok, `${kind} ${side}: ${JSON.stringify(result.failures)}`).toBe(true);
        }
      }
      tf.dispose([x, xr, ...Object.values(w)]);
    },
  );

  it('label smoothing is one-sided and follows tf.losses (target = label·(1 - s) + s/2)', async () => {
    const r = tensor(F().real);
    const fk = tensor(F().fake);
    for (const c of F().cases.filter((c: any) => c.options.labelSmoothing !== undefined)) {
      const d = adversarial.discriminator(c.kind, r, fk, c.options);
      await expectClose(d, c.discriminator);
      d.dispose();
    }
    tf.dispose([r, fk]);
  });
});
