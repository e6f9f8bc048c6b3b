import { ArgumentError, rng, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  adversarial,
  charbonnier,
  contentLoss,
  contrastive,
  driftPenalty,
  gradientPenalty,
  gramMatrix,
  guidedGram,
  klGaussians,
  klNormal,
  l1,
  l2,
  msSsim,
  occlusionMask,
  psnr,
  StyleLoss,
  ssim,
  styleLoss,
  temporalLoss,
  totalVariation,
  triplet,
  warp,
  weightedL1,
  weightedL2,
} from '../src/index.js';

// Each rejected call names its function first, then the argument and what was wrong, as
// the package promises: `fn: name must be ..., got ...`. Complements validation.test.ts
// with the arguments and options it does not reach, and a few values at the defaults.

type ErrorType = typeof ShapeError | typeof ArgumentError;

/** The call throws `type`, its message starts with `fn: ` and holds every fragment. */
function rejects(call: () => unknown, type: ErrorType, fn: string, ...fragments: string[]) {
  let caught: unknown;
  try {
    call();
  } catch (e) {
    caught = e;
  }
  expect(caught, `${fn}: expected an error`).toBeInstanceOf(type);
  const message = (caught as Error).message;
  expect(message.startsWith(`${fn}: `), message).toBe(true);
  for (const f of fragments) expect(message, message).toContain(f);
}

async function value(t: tf.Tensor): Promise<number[]> {
  const out = Array.from(await t.data());
  t.dispose();
  return out;
}

describeBackends(
  'argument checks name the function, the argument and the problem',
  () => {
    it('adversarial losses', () => {
      tf.tidy(() => {
        const r = tf.tensor1d([0.5, -2]);
        const f = tf.tensor1d([0.3, 1, 2]);
        const s = tf.scalar(1);
        const D = 'adversarial.discriminator';
        const G = 'adversarial.generator';
        rejects(
          () => adversarial.discriminator('x' as never, r, f),
          ArgumentError,
          D,
          'kind must be one of',
        );
        rejects(
          () => adversarial.discriminator('hinge', s, f),
          ShapeError,
          D,
          'realLogits must have rank >= 1',
        );
        rejects(
          () => adversarial.discriminator('hinge', r, s),
          ShapeError,
          D,
          'fakeLogits must have rank >= 1',
        );
        rejects(
          () => adversarial.discriminator('hinge', r, f, { reduction: 'none' }),
          ShapeError,
          D,
          'fakeLogits must have the shape of realLogits [2], got [3]',
        );
        rejects(
          () => adversarial.discriminator('hinge', tf.zeros([2, 1]), tf.zeros([2, 2])),
          ShapeError,
          D,
          'realLogits and fakeLogits come from one discriminator and must agree beyond the batch axis, got [2, 1] and [2, 2]',
        );
        rejects(
          () => adversarial.discriminator('hinge', r, f, { realLabel: 1 }),
          ArgumentError,
          D,
          "realLabel has no meaning for kind 'hinge' (only for 'minimax', 'nonSaturating', 'lsgan', 'relativistic')",
        );
        rejects(
          () => adversarial.discriminator('lsgan', r, f, { labelSmoothing: 0.1 }),
          ArgumentError,
          D,
          "labelSmoothing applies to the cross-entropy kinds ('minimax', 'nonSaturating', 'relativistic'), not 'lsgan'",
        );
        rejects(
          () => adversarial.discriminator('minimax', r, f, { labelSmoothing: -0.1 }),
          ArgumentError,
          D,
          'labelSmoothing must be a finite number >= 0, got -0.1',
        );
        rejects(
          () => adversarial.discriminator('minimax', r, f, { realLabel: 'x' as never }),
          ArgumentError,
          D,
          'realLabel must be a number or a tensor',
        );
        rejects(
          () => adversarial.discriminator('minimax', r, f, { fakeLabel: Number.NaN }),
          ArgumentError,
          D,
          'fakeLabel',
        );
        rejects(
          () => adversarial.generator('hinge', s),
          ShapeError,
          G,
          'fakeLogits must have rank >= 1',
        );
        rejects(
          () => adversarial.generator('wasserstein', f, { realLabel: 1 }),
          ArgumentError,
          G,
          "realLabel has no meaning for kind 'wasserstein'",
        );
        rejects(
          () => adversarial.generator('hinge', f, { fakeLabel: 0 }),
          ArgumentError,
          G,
          "fakeLabel has no meaning for kind 'hinge'",
        );
        rejects(
          () => adversarial.generator('relativistic', f, { realLogits: s }),
          ShapeError,
          G,
          'realLogits must have rank >= 1',
        );
        rejects(
          () => adversarial.generator('relativistic', f, { realLogits: r, reduction: 'none' }),
          ShapeError,
          G,
          'realLogits must have the shape of fakeLogits [3], got [2]',
        );
      });
    });

    it("adversarial losses: reduction 'none' is the per-logit sum of both terms; batches may differ under 'mean'", async () => {
      const r = tf.tensor1d([0.5, -2]);
      const f = tf.tensor1d([0.3, 1]);
      // hinge: relu(1 - r) + relu(1 + f).
      const hinge = await value(adversarial.discriminator('hinge', r, f, { reduction: 'none' }));
      expect(hinge[0]).toBeCloseTo(0.5 + 1.3, 5);
      expect(hinge[1]).toBeCloseTo(3 + 2, 5);
      // Relativistic G: softplus(-(f - mean r)) + softplus(r - mean f), per logit.
      const sp = (x: number) => Math.log1p(Math.exp(x));
      const rel = await value(
        adversarial.generator('relativistic', f, { realLogits: r, reduction: 'none' }),
      );
      const [mr, mf] = [-0.75, 0.65];
      expect(rel[0]).toBeCloseTo(sp(-(0.3 - mr)) + sp(0.5 - mf), 5);
      expect(rel[1]).toBeCloseTo(sp(-(1 - mr)) + sp(-2 - mf), 5);
      // Under 'mean', real and fake batches of different sizes are fine.
      const three = tf.tensor1d([0.1, 0.2, 0.3]);
      const g = await value(adversarial.generator('relativistic', three, { realLogits: r }));
      expect(Number.isFinite(g[0])).toBe(true);
      // Non-saturating D with numeric labels 1 and 0: softplus(-r) and softplus(f), averaged.
      const ns = await value(adversarial.discriminator('nonSaturating', r, f));
      expect(ns[0]).toBeCloseTo((sp(-0.5) + sp(2)) / 2 + (sp(0.3) + sp(1)) / 2, 5);
      tf.dispose([r, f, three]);
    });

    it('gradient and drift penalties', () => {
      tf.tidy(() => {
        const x = tf.zeros([2, 3]);
        const D = (t: tf.Tensor) => tf.sum(t, 1);
        const P = 'gradientPenalty';
        rejects(
          () => gradientPenalty('D' as never, { kind: 'r1', real: x }),
          ArgumentError,
          P,
          'D must be a function from samples to logits',
        );
        rejects(
          () => gradientPenalty(D, undefined as never),
          ArgumentError,
          P,
          'options must be { kind, real?, fake?, ... }, got undefined',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'x' as never, real: x }),
          ArgumentError,
          P,
          'kind must be one of',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'r1', real: x, weight: Number.NaN }),
          ArgumentError,
          P,
          'weight must be a finite number',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'r1', real: x, target: 0 }),
          ArgumentError,
          P,
          'target must be a finite number > 0, got 0',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'r1', real: x, epsilon: -1 }),
          ArgumentError,
          P,
          'epsilon must be a finite number >= 0, got -1',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'r1' } as never),
          ArgumentError,
          P,
          "kind 'r1' needs real samples",
        );
        rejects(
          () => gradientPenalty(D, { kind: 'r1', real: tf.scalar(1) }),
          ShapeError,
          P,
          'real must have rank >= 1',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'r1', real: tf.zeros([0, 3]) }),
          ShapeError,
          P,
          'real is empty',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'wgan-gp', real: x, fake: tf.zeros([2, 4]), seed: 1 }),
          ShapeError,
          P,
          'fake must have the shape of real [2, 3], got [2, 4]',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'dragan', real: x, perturbation: -1, seed: 1 }),
          ArgumentError,
          P,
          'perturbation must be a finite number >= 0, got -1',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'wgan-gp', real: x, fake: x, seed: 1, rng: rng(1) }),
          ArgumentError,
          P,
          'give rng or seed, not both',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'wgan-gp', real: x, fake: x, rng: {} as never }),
          ArgumentError,
          P,
          'rng must be an Rng from rng(seed)',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'wgan-gp', real: x, fake: x }),
          ArgumentError,
          P,
          'the interpolation needs alpha, or rng / seed to draw it',
        );
        rejects(
          () => gradientPenalty(D, { kind: 'wgan-gp', real: x, fake: x, alpha: tf.zeros([3]) }),
          ShapeError,
          P,
          'alpha',
        );
        rejects(
          () =>
            gradientPenalty(D, {
              kind: 'dragan',
              real: x,
              alpha: tf.zeros([2]),
              noise: tf.zeros([2, 4]),
            }),
          ShapeError,
          P,
          'noise must have the shape of real [2, 3], got [2, 4]',
        );
        rejects(
          () => driftPenalty(tf.scalar(1)),
          ShapeError,
          'driftPenalty',
          'realLogits must have rank >= 1',
        );
        rejects(
          () => driftPenalty(x, 'x' as never),
          ArgumentError,
          'driftPenalty',
          'expected an options object',
        );
        rejects(
          () => driftPenalty(x, { weight: Number.NaN }),
          ArgumentError,
          'driftPenalty',
          'weight must be a finite number',
        );
        rejects(
          () => driftPenalty(x, { reduction: 'avg' as never }),
          ArgumentError,
          'driftPenalty',
          'reduction must be one of',
        );
      });
    });

    it('KL divergences', () => {
      tf.tidy(() => {
        const m = tf.zeros([2, 3]);
        const s = tf.scalar(0);
        rejects(() => klNormal(s, m), ShapeError, 'klNormal', 'mu must have rank >= 1');
        rejects(() => klNormal(m, s), ShapeError, 'klNormal', 'logvar must have rank >= 1');
        rejects(
          () => klNormal(m, tf.zeros([2, 4])),
          ShapeError,
          'klNormal',
          'logvar must have the shape of mu [2, 3]',
        );
        rejects(
          () => klNormal(m, m, 'x' as never),
          ArgumentError,
          'klNormal',
          'expected an options object',
        );
        rejects(
          () => klNormal(m, m, { reduction: 'avg' as never }),
          ArgumentError,
          'klNormal',
          "reduction must be one of 'batchmean'",
        );
        const K = 'klGaussians';
        const g = { mean: m, logvar: m };
        rejects(
          () => klGaussians(null as never, g),
          ArgumentError,
          K,
          'p must be { mean, logvar | variance | std }, got null',
        );
        rejects(
          () => klGaussians(g, 3 as never),
          ArgumentError,
          K,
          'q must be { mean, logvar | variance | std }',
        );
        rejects(
          () => klGaussians({ mean: s, logvar: s }, g),
          ShapeError,
          K,
          'p.mean must have rank >= 1',
        );
        rejects(
          () => klGaussians({ mean: m, std: tf.ones([2, 4]) }, g),
          ShapeError,
          K,
          'p.std must have the shape of p.mean [2, 3]',
        );
        rejects(
          () => klGaussians(g, { mean: tf.zeros([2, 4]), logvar: tf.zeros([2, 4]) }),
          ShapeError,
          K,
          'q.mean must have the shape of p.mean [2, 3]',
        );
        rejects(
          () => klGaussians(g, g, 'x' as never),
          ArgumentError,
          K,
          'expected an options object',
        );
        rejects(
          () => klGaussians(g, g, { reduction: 'avg' as never }),
          ArgumentError,
          K,
          'reduction must be one of',
        );
      });
    });

    it('metric losses, with their defaults (margin 1, p 2)', async () => {
      const a = tf.tensor2d([
        [0, 0],
        [1, 1],
      ]);
      const b = tf.tensor2d([
        [0.6, 0.8],
        [1, 1.5],
      ]);
      const n = tf.tensor2d([
        [0.3, 0.4],
        [2, 1],
      ]);
      const similar = tf.tensor1d([0, 1]);
      tf.tidy(() => {
        const C = 'contrastive';
        rejects(
          () => contrastive(tf.zeros([2, 0]), b, similar),
          ShapeError,
          C,
          'a has no dimensions, got [2, 0]',
        );
        rejects(
          () => contrastive(a, tf.zeros([2, 3]), similar),
          ShapeError,
          C,
          'b must have the shape of a [2, 2]',
        );
        rejects(
          () => contrastive(a, b, tf.zeros([2, 1])),
          ShapeError,
          C,
          'similar must be a tensor of labels [N] (rank 1)',
        );
        rejects(
          () => contrastive(a, b, tf.zeros([3])),
          ShapeError,
          C,
          'similar must be [2] (one label per pair), got [3]',
        );
        rejects(
          () => contrastive(a, b, similar, { margin: -1 }),
          ArgumentError,
          C,
          'margin must be a finite number >= 0, got -1',
        );
        const T = 'triplet';
        rejects(
          () => triplet(a, tf.zeros([2, 3]), n),
          ShapeError,
          T,
          'positive must have the shape of anchor [2, 2]',
        );
        rejects(() => triplet(a, b, tf.zeros([2, 3])), ShapeError, T, 'negative');
        rejects(
          () => triplet(a, b, n, { margin: -1 }),
          ArgumentError,
          T,
          'margin must be a finite number >= 0, got -1',
        );
        rejects(
          () => triplet(a, b, n, { p: 0.5 }),
          ArgumentError,
          T,
          'p must be a finite number >= 1, got 0.5',
        );
        rejects(
          () => triplet(a, b, n, { epsilon: -1 }),
          ArgumentError,
          T,
          'epsilon must be a finite number >= 0, got -1',
        );
      });
      // Contrastive (Hadsell et al.), margin 1: pair 0 dissimilar at distance 1 -> 0,
      // pair 1 similar at distance 0.5 -> 0.5 * 0.25; mean over the pairs.
      const c = await value(contrastive(a, b, similar));
      expect(c[0]).toBeCloseTo(0.125 / 2, 5);
      const c2 = await value(contrastive(a, b, similar, { margin: 2, reduction: 'none' }));
      expect(c2[0]).toBeCloseTo(0.5 * (2 - 1) ** 2, 4);
      // Triplet, margin 1, p 2: max(0, d(a, p) - d(a, n) + 1) per triplet, averaged:
      // [1 - 0.5 + 1, 0.5 - 1 + 1].
      const t = await value(triplet(a, b, n, { reduction: 'none' }));
      expect(t[0]).toBeCloseTo(1.5, 4);
      expect(t[1]).toBeCloseTo(0.5, 4);
      // p 1: |0.6| + |0.8| - (0.3 + 0.4) + 1 = 1.7; |0| + |0.5| - (1 + 0) + 1 = 0.5.
      const t1 = await value(triplet(a, b, n, { p: 1, reduction: 'none' }));
      expect(t1[0]).toBeCloseTo(1.7, 4);
      expect(t1[1]).toBeCloseTo(0.5, 4);
      tf.dispose([a, b, n, similar]);
    });

    it('pixel losses', async () => {
      const a = tf.tensor2d([
        [1, 2],
        [3, 4],
      ]);
      const b = tf.tensor2d([
        [1, 0],
        [0, 4],
      ]);
      tf.tidy(() => {
        for (const [fn, call] of [
          ['l1', l1],
          ['l2', l2],
          ['charbonnier', charbonnier],
        ] as const) {
          rejects(() => call(a, b, 'x' as never), ArgumentError, fn, 'expected an options object');
          rejects(
            () => call(a, b, { reduction: 'avg' as never }),
            ArgumentError,
            fn,
            'reduction must be one of',
          );
          rejects(
            () => call('x' as never, b),
            ArgumentError,
            fn,
            'input must be a tensor, got "x"',
          );
          rejects(
            () => call(a, tf.zeros([2, 3])),
            ShapeError,
            fn,
            'target must have the shape of input [2, 2], got [2, 3]',
          );
          rejects(
            () => call(tf.tensor2d([[1, 2]], [1, 2], 'int32'), b),
            ArgumentError,
            fn,
            'input must be float32, got int32',
          );
        }
        rejects(
          () => charbonnier(a, b, { epsilon: 0 }),
          ArgumentError,
          'charbonnier',
          'epsilon must be a finite number > 0, got 0',
        );
        for (const [fn, call] of [
          ['weightedL1', weightedL1],
          ['weightedL2', weightedL2],
        ] as const) {
          rejects(() => call(a, b, 'w' as never), ArgumentError, fn, 'weight must be a tensor');
          rejects(
            () => call(a, b, tf.ones([2, 3])),
            ShapeError,
            fn,
            'weight must broadcast to [2, 2] (same rank, each dimension equal or 1), got [2, 3]',
          );
          rejects(
            () => call(a, b, tf.ones([2])),
            ShapeError,
            fn,
            'weight must broadcast to [2, 2]',
          );
          rejects(
            () => call(a, b, tf.ones([2, 1]), { normalize: 'x' as never }),
            ArgumentError,
            fn,
            "normalize must be one of 'elements', 'weights'",
          );
        }
      });
      const disposed = tf.zeros([2, 2]);
      disposed.dispose();
      rejects(() => l1(disposed, b), ArgumentError, 'l1', 'input has been disposed');
      // 'sum' ignores normalize: Σ w·|a - b| = 1·2 + 3·3 = 11 with w = [[1], [3]].
      const w = tf.tensor2d([[1], [3]]);
      expect(await value(weightedL1(a, b, w, { reduction: 'sum', normalize: 'weights' }))).toEqual([
        11,
      ]);
      // 'mean' with normalize 'weights': 11 / (2·1 + 2·3).
      expect((await value(weightedL1(a, b, w, { normalize: 'weights' })))[0]).toBeCloseTo(
        11 / 8,
        6,
      );
      expect((await value(weightedL2(a, b, w)))[0]).toBeCloseTo((4 + 27) / 4, 5);
      tf.dispose([a, b, w]);
    });

    it('quality metrics', () => {
      tf.tidy(() => {
        const img = tf.zeros([1, 16, 16, 1]);
        for (const [fn, call] of [
          ['psnr', psnr],
          ['ssim', ssim],
        ] as const) {
          rejects(
            () => call(tf.zeros([16, 16]), img, { dataRange: 1 }),
            ShapeError,
            fn,
            'a must be a tensor of shape [N, H, W, C] (rank 4)',
          );
          rejects(
            () => call(img, tf.zeros([16, 16]), { dataRange: 1 }),
            ShapeError,
            fn,
            'b must be a tensor of shape [N, H, W, C] (rank 4)',
          );
        }
        rejects(
          () => ssim(img, img, { dataRange: 1, sigma: 0 }),
          ArgumentError,
          'ssim',
          'sigma must be a finite number > 0, got 0',
        );
        rejects(
          () => ssim(img, img, { dataRange: 1, k1: 0 }),
          ArgumentError,
          'ssim',
          'k1 must be a finite number > 0, got 0',
        );
        rejects(
          () => ssim(img, img, { dataRange: 1, k2: 0 }),
          ArgumentError,
          'ssim',
          'k2 must be a finite number > 0, got 0',
        );
        rejects(
          () => ssim(tf.zeros([1, 16, 8, 1]), tf.zeros([1, 16, 8, 1]), { dataRange: 1 }),
          ShapeError,
          'ssim',
          'images',
        );
        rejects(
          () => ssim(tf.zeros([1, 8, 16, 1]), tf.zeros([1, 8, 16, 1]), { dataRange: 1 }),
          ShapeError,
          'ssim',
          'images',
        );
        rejects(
          () => msSsim(img, img, { dataRange: 1, weights: [] }),
          ArgumentError,
          'msSsim',
          'weights must be a non-empty array of numbers, got',
        );
        rejects(
          () => msSsim(img, img, { dataRange: 1, weights: 'x' as never }),
          ArgumentError,
          'msSsim',
          'weights must be a non-empty array',
        );
        rejects(
          () => msSsim(img, img, { dataRange: 1, weights: [1, -1] }),
          ArgumentError,
          'msSsim',
          'weights[1] must be a finite number >= 0, got -1',
        );
      });
    });

    it('style losses', () => {
      tf.tidy(() => {
        const f = tf.zeros([1, 4, 4, 3]);
        const gram = tf.zeros([1, 3, 3]);
        rejects(
          () => gramMatrix(tf.zeros([4, 4, 3])),
          ShapeError,
          'gramMatrix',
          'features must be a tensor of shape [N, H, W, C]',
        );
        rejects(
          () => gramMatrix(f, 'x' as never),
          ArgumentError,
          'gramMatrix',
          'expected an options object',
        );
        rejects(
          () => gramMatrix(f, { normalize: 'x' as never }),
          ArgumentError,
          'gramMatrix',
          'normalize must be one of',
        );
        rejects(
          () => guidedGram(tf.zeros([4, 4, 3]), f),
          ShapeError,
          'guidedGram',
          'features must be a tensor of shape',
        );
        rejects(
          () => guidedGram(f, tf.zeros([4, 4, 1])),
          ShapeError,
          'guidedGram',
          'guides must be a tensor of shape',
        );
        for (const guides of [
          tf.ones([1, 3, 4, 1]),
          tf.ones([1, 4, 3, 1]),
          tf.ones([2, 4, 4, 1]),
        ]) {
          rejects(
            () => guidedGram(f, guides),
            ShapeError,
            'guidedGram',
            'guides must be [1 or 1, 4, 4, R]',
          );
        }
        const S = 'styleLoss';
        rejects(
          () => styleLoss(5 as never, [gram]),
          ArgumentError,
          S,
          'features must be a tensor, an array of tensors or { layer: tensor }, got',
        );
        rejects(() => styleLoss({}, [gram]), ArgumentError, S, 'features holds no layers');
        rejects(
          () => styleLoss([f, 'x' as never], [gram, gram]),
          ArgumentError,
          S,
          'features[1] must be a tensor',
        );
        rejects(
          () => styleLoss({ a: 'x' as never }, { a: gram }),
          ArgumentError,
          S,
          'features.a must be a tensor',
        );
        rejects(
          () => styleLoss({ a: f }, { b: gram }),
          ArgumentError,
          S,
          "features has no layer 'b' (it has 'a')",
        );
        rejects(
          () => styleLoss([tf.zeros([4, 4, 3])], [gram]),
          ShapeError,
          S,
          'features.0 must be NHWC [N, H, W, C]',
        );
        for (const bad of [
          tf.zeros([3, 3]),
          tf.zeros([1, 2, 3]),
          tf.zeros([1, 3, 2]),
          tf.zeros([2, 3, 3]),
        ]) {
          rejects(
            () => styleLoss([f], [bad]),
            ShapeError,
            S,
            'targetGrams.0 must be [1 or 1, 3, 3] (a Gram matrix of 3 channels)',
          );
        }
        rejects(
          () => styleLoss([f], [gram], { weights: 'x' as never }),
          ArgumentError,
          S,
          'weights must be { layer: number } or number[]',
        );
        rejects(
          () => styleLoss([f], [gram], { weights: {} }),
          ArgumentError,
          S,
          'weights name no layer',
        );
        rejects(
          () => styleLoss([f], [gram], { weights: { 0: Number.NaN } }),
          ArgumentError,
          S,
          'weights.0 must be a finite number',
        );
        rejects(
          () => new StyleLoss('x' as never, f),
          ArgumentError,
          'StyleLoss',
          'featureFn must be a function',
        );
        rejects(
          () => contentLoss({ a: f }, { b: f }),
          ArgumentError,
          'contentLoss',
          "features has no layer 'b' (it has 'a')",
        );
        rejects(
          () => totalVariation(tf.zeros([1, 1, 4, 1])),
          ShapeError,
          'totalVariation',
          'images need H, W >= 2 to have differences, got [1, 1, 4, 1]',
        );
        rejects(
          () => totalVariation(tf.zeros([1, 4, 1, 1])),
          ShapeError,
          'totalVariation',
          'images need H, W >= 2',
        );
        rejects(
          () => totalVariation(f, { kind: 'x' as never }),
          ArgumentError,
          'totalVariation',
          'kind must be one of',
        );
        rejects(
          () => totalVariation(f, { epsilon: -1 }),
          ArgumentError,
          'totalVariation',
          'epsilon must be a finite number >= 0, got -1',
        );
      });
    });

    it('style losses at their edges: one tensor as the feature map, 2x2 images, unnormalised guided Grams', async () => {
      // A bare tensor is layer '0'.
      const f = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
      const g = gramMatrix(f);
      expect(await value(styleLoss(f, g))).toEqual([0]);
      // Anisotropic TV of [[1, 2], [3, 4]]: |3-1| + |4-2| + |2-1| + |4-3| = 6.
      expect(await value(totalVariation(f))).toEqual([6]);
      // Guided Gram without normalisation: Σ over pixels of (m·f)², one guide of ones = 30.
      const guided = await value(guidedGram(f, tf.onesLike(f), { normalize: 'none' }));
      expect(guided).toEqual([30]);
      tf.dispose([f, g]);
    });

    it('temporal losses', () => {
      tf.tidy(() => {
        const img = tf.zeros([1, 4, 4, 1]);
        const T = 'temporalLoss';
        rejects(
          () => temporalLoss(img, tf.zeros([1, 4, 4, 2])),
          ShapeError,
          T,
          'previous must have the shape of current [1, 4, 4, 1]',
        );
        rejects(
          () => temporalLoss(tf.zeros([4, 4]), img),
          ShapeError,
          T,
          'current must be a tensor of shape',
        );
        rejects(
          () => temporalLoss(img, img, { padding: 'x' as never }),
          ArgumentError,
          T,
          "padding must be one of 'border', 'zeros'",
        );
        rejects(
          () => temporalLoss(img, img, { mask: tf.zeros([1, 4, 4]) }),
          ShapeError,
          T,
          'mask must be a tensor of shape [N, H, W, 1] (rank 4)',
        );
        rejects(
          () => warp(tf.zeros([4, 4]), tf.zeros([1, 4, 4, 2])),
          ShapeError,
          'warp',
          'image must be a tensor of shape',
        );
        rejects(
          () => warp(img, tf.zeros([1, 4, 4, 2]), { padding: 'x' as never }),
          ArgumentError,
          'warp',
          "padding must be one of 'border', 'zeros'",
        );
        for (const flow of [
          tf.zeros([2, 4, 4, 2]),
          tf.zeros([1, 3, 4, 2]),
          tf.zeros([1, 4, 3, 2]),
          tf.zeros([1, 4, 4, 1]),
        ]) {
          rejects(
            () => warp(img, flow),
            ShapeError,
            'warp',
            'flow must be [1, 4, 4, 2] (u, v per pixel',
          );
        }
        const flow = tf.zeros([1, 4, 4, 2]);
        rejects(
          () => occlusionMask(flow, flow, { smoothing: -1 }),
          ArgumentError,
          'occlusionMask',
          'smoothing must be a finite number >= 0, got -1',
        );
      });
    });
  },
  { only: ['cpu'] },
);
