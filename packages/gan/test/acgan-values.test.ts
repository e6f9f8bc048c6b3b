import { type Module, rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import type { AdversarialKind } from '@atelier/losses';
import { expect, it } from 'vitest';
import { createHarness, type StepContext } from '../src/index.js';

// The loss terms of one AC-GAN step (cgan with `auxiliary`), for every adversarial kind,
// against the formulas written out here by hand on D's logits: a step that drops a class
// term, swaps the labels, or computes another kind's loss fails, whatever it trains to.

const K = 4;
const N = 3;
const LAMBDA_CLASS = 0.5;

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Softmax cross-entropy, averaged over the batch: mean(logsumexp(l) - l[label]). */
function crossEntropy(logits: number[][], labels: number[]): number {
  return mean(
    logits.map((l, i) => {
      const m = Math.max(...l);
      return m + Math.log(l.reduce((s, v) => s + Math.exp(v - m), 0)) - l[labels[i]!]!;
    }),
  );
}

/** D's and G's adversarial terms of each kind (TF-GAN's definitions, labels 1 and 0). */
function adversarialTerms(kind: AdversarialKind, r: number[], f: number[]) {
  const mr = mean(r);
  const mf = mean(f);
  switch (kind) {
    case 'minimax':
      return {
        D: mean(r.map((v) => softplus(-v))) + mean(f.map(softplus)),
        G: -mean(f.map(softplus)),
      };
    case 'nonSaturating':
      return {
        D: mean(r.map((v) => softplus(-v))) + mean(f.map(softplus)),
        G: mean(f.map((v) => softplus(-v))),
      };
    case 'lsgan':
      return {
        D: mean(r.map((v) => 0.5 * (v - 1) ** 2)) + mean(f.map((v) => 0.5 * v ** 2)),
        G: mean(f.map((v) => 0.5 * (v - 1) ** 2)),
      };
    case 'wasserstein':
      return { D: mf - mr, G: -mf };
    case 'hinge':
      return {
        D: mean(r.map((v) => Math.max(0, 1 - v))) + mean(f.map((v) => Math.max(0, 1 + v))),
        G: -mf,
      };
    case 'relativistic':
      return {
        D: mean(r.map((v) => softplus(-(v - mf)))) + mean(f.map((v) => softplus(v - mr))),
        G: mean(f.map((v) => softplus(-(v - mr)))) + mean(r.map((v) => softplus(v - mf))),
      };
  }
}

interface Recorded {
  terms: Record<string, number>;
  weights: Record<string, number> | undefined;
}

/** A step context that evaluates each update's terms without training on them. */
function recordingContext(recorded: Record<string, Recorded>): StepContext {
  return {
    step: 0,
    epoch: 0,
    rng: rng(11),
    update(name, loss, weights) {
      const parts = Array.isArray(loss) ? loss : [loss];
      const terms: Record<string, number> = {};
      tf.tidy(() => {
        for (const part of parts) {
          for (const [k, v] of Object.entries(part())) terms[k] = v.dataSync()[0]!;
        }
      });
      recorded[name] = { terms, weights };
    },
    log() {},
    keep: (t) => t,
  };
}

describeBackends(
  'AC-GAN step terms',
  () => {
    const kinds: AdversarialKind[] = [
      'nonSaturating',
      'minimax',
      'lsgan',
      'wasserstein',
      'hinge',
      'relativistic',
    ];
    for (const kind of kinds) {
      it(`${kind}: D, D_class, G and G_class equal their formulas on D's logits`, () => {
        const harness = createHarness('cgan', {
          size: 32,
          ngf: 4,
          ndf: 4,
          latentDim: 8,
          numClasses: K,
          auxiliary: true,
          loss: kind,
          lambdaClass: LAMBDA_CLASS,
          seed: 3,
        });
        const G = harness.modules.G as Module & { forward: (...a: any[]) => tf.Tensor4D };
        const D = harness.modules.D as Module & {
          forward: (x: tf.Tensor4D) => { adversarial: tf.Tensor1D; classes: tf.Tensor2D };
        };
        G.train();
        D.train();
        // The fakes and the labels they were drawn for, as the step made them.
        const drawn: { fake?: tf.Tensor4D; labels?: number[] } = {};
        const generate = G.forward.bind(G);
        G.forward = (z: tf.Tensor, labels: tf.Tensor1D) => {
          const fake = generate(z, labels);
          drawn.fake?.dispose();
          drawn.fake = tf.keep(tf.clone(fake));
          drawn.labels = Array.from(labels.dataSync() as Int32Array);
          return fake;
        };
        const image = rng(5).uniform([N, 32, 32, 3], -1, 1) as tf.Tensor4D;
        const realLabels = [2, 0, 3];
        const label = tf.tensor1d(realLabels, 'int32');
        const batch = { image, label };
        harness.check?.(batch as never);

        const recorded: Record<string, Recorded> = {};
        harness.step([batch as never], recordingContext(recorded));

        const logits = (x: tf.Tensor4D) => {
          const out = D.forward(x);
          const values = {
            adversarial: Array.from(out.adversarial.dataSync() as Float32Array),
            classes: out.classes.arraySync() as number[][],
          };
          tf.dispose([out.adversarial, out.classes]);
          return values;
        };
        const real = logits(image);
        const fake = logits(drawn.fake!);
        const adv = adversarialTerms(kind, real.adversarial, fake.adversarial);
        const expected = {
          D: {
            D: adv.D,
            D_class:
              crossEntropy(real.classes, realLabels) + crossEntropy(fake.classes, drawn.labels!),
          },
          G: { G: adv.G, G_class: crossEntropy(fake.classes, drawn.labels!) },
        };
        for (const net of ['D', 'G'] as const) {
          const got = recorded[net]!.terms;
          expect(Object.keys(got).sort()).toEqual(Object.keys(expected[net]).sort());
          for (const [term, value] of Object.entries(expected[net])) {
            expect(got[term], `${kind} ${term}`).toBeCloseTo(value, 4);
          }
        }
        expect(recorded.D!.weights).toEqual({ D_class: LAMBDA_CLASS });
        expect(recorded.G!.weights).toEqual({ G_class: LAMBDA_CLASS });
        tf.dispose([image, label, drawn.fake!]);
        harness.dispose();
      });
    }
  },
  { only: ['cpu', 'wasm'] },
);
