import { ArgumentError, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  adversarial,
  charbonnier,
  contentLoss,
  contrastive,
  gradientPenalty,
  gramMatrix,
  guidedGram,
  klGaussians,
  klNormal,
  l1,
  l2,
  msSsim,
  occlusionMask,
  perceptualLoss,
  psnr,
  ssim,
  styleLoss,
  temporalLoss,
  totalVariation,
  triplet,
  warp,
  weightedL1,
} from '../src/index.js';
import { canReadSync } from '../src/validate.js';

/** The call throws `type` with a message matching every pattern (what was expected, what came). */
function throws(
  call: () => unknown,
  type: typeof ShapeError | typeof ArgumentError,
  ...patterns: RegExp[]
) {
  let caught: unknown;
  try {
    call();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(type);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
}

describeBackends(
  'input validation',
  () => {
    it('an error thrown midway (D returning the wrong batch) leaves no tensors behind', () => {
      const real = tf.zeros([2, 4, 4, 1]);
      const alphaDrawn = { kind: 'wgan-gp', real, fake: real, seed: 1 } as const;
      const before = tf.memory().numTensors;
      throws(() => gradientPenalty((x) => tf.sum(x), alphaDrawn), ShapeError, /N = 2/);
      throws(() => gradientPenalty((x) => tf.sum(x), { kind: 'r1', real }), ShapeError, /N = 2/);
      expect(tf.memory().numTensors).toBe(before);
      real.dispose();
    });

    /** The arguments the checks pass: made inside each test's tidy, which frees them. */
    function inputs() {
      const a = tf.zeros([2, 4, 4, 3]);
      const b = tf.zeros([2, 4, 4, 1]);
      const v = tf.zeros([3, 4]);
      const flow = tf.zeros([2, 4, 4, 2]);
      const D = (x: tf.Tensor) => tf.sum(x, [1, 2, 3]);
      return { a, b, v, flow, D };
    }
    type Inputs = ReturnType<typeof inputs>;

    const families: [string, (x: Inputs) => void][] = [
      [
        'pixel losses',
        ({ a, b }) => {
          // Pixel: mismatched shapes, a weight that does not broadcast, options of the wrong kind.
          throws(
            () => l1(a, b),
            ShapeError,
            /l1: target must have the shape of input \[2, 4, 4, 3\], got \[2, 4, 4, 1\]/,
          );
          throws(() => l2(a, 'x' as never), ArgumentError, /l2: target must be a tensor, got "x"/);
          throws(
            () => l1(a, a, { reduction: 'avg' as never }),
            ArgumentError,
            /'mean', 'sum', 'none'/,
            /"avg"/,
          );
          throws(
            () => charbonnier(a, a, { epsilon: 0 }),
            ArgumentError,
            /epsilon must be a finite number > 0, got 0/,
          );
          throws(
            () => weightedL1(a, a, tf.zeros([2, 3, 4, 1])),
            ShapeError,
            /weight must broadcast to \[2, 4, 4, 3\]/,
          );
          throws(
            () => l1(a, tf.zeros([2, 4, 4, 3], 'int32')),
            ArgumentError,
            /must be float32, got int32/,
          );
        },
      ],
      [
        'distribution losses',
        ({ v }) => {
          // Distribution: mismatched shapes, no spread, two spreads.
          throws(
            () => klNormal(v, tf.zeros([3, 5])),
            ShapeError,
            /logvar must have the shape of mu \[3, 4\], got \[3, 5\]/,
          );
          throws(
            () => klGaussians({ mean: v }, { mean: v, logvar: v }),
            ArgumentError,
            /exactly one of logvar, variance, std; got none/,
          );
          throws(
            () => klGaussians({ mean: v, logvar: v, std: v }, { mean: v, logvar: v }),
            ArgumentError,
            /got logvar, std/,
          );
          throws(
            () => klNormal(v, v, { reduction: 'batch' as never }),
            ArgumentError,
            /'batchmean'/,
          );
        },
      ],
      [
        'adversarial losses',
        ({ v }) => {
          // Adversarial: unknown kinds, labels where they mean nothing, missing real logits.
          throws(
            () => adversarial.generator('vanilla' as never, v),
            ArgumentError,
            /kind must be one of 'minimax'/,
            /"vanilla"/,
          );
          throws(
            () => adversarial.generator('relativistic', v),
            ArgumentError,
            /pass \{ realLogits \}/,
          );
          throws(
            () => adversarial.generator('hinge', v, { realLogits: v }),
            ArgumentError,
            /only used by kind 'relativistic'/,
          );
          throws(
            () => adversarial.discriminator('wasserstein', v, v, { realLabel: 0.9 }),
            ArgumentError,
            /realLabel has no meaning for kind 'wasserstein'/,
          );
          throws(
            () => adversarial.discriminator('lsgan', v, v, { labelSmoothing: 0.1 }),
            ArgumentError,
            /labelSmoothing applies to the cross-entropy kinds/,
          );
          throws(
            () => adversarial.discriminator('minimax', v, v, { labelSmoothing: 1 }),
            ArgumentError,
            /must be < 1/,
          );
          throws(
            () => adversarial.discriminator('hinge', v, tf.zeros([3, 2])),
            ShapeError,
            /must agree beyond the batch axis/,
          );
        },
      ],
      [
        'gradient penalties',
        ({ a, D }) => {
          // Penalties: missing samples, wrong alpha, D's output of the wrong batch, options of other kinds.
          throws(
            () => gradientPenalty(D, { kind: 'wgan-gp', real: a } as never),
            ArgumentError,
            /'wgan-gp' needs fake samples/,
          );
          throws(
            () => gradientPenalty(D, { kind: 'r1', real: a, fake: a }),
            ArgumentError,
            /fake has no meaning for kind 'r1'/,
          );
          throws(
            () => gradientPenalty(D, { kind: 'r1', real: a, oneSided: true }),
            ArgumentError,
            /oneSided has no meaning/,
          );
          throws(
            () => gradientPenalty(D, { kind: 'wgan-gp', real: a, fake: a, alpha: tf.zeros([3]) }),
            ShapeError,
            /alpha must have shape \[2\] or \[2, 1, 1, 1\]/,
          );
          throws(
            () => gradientPenalty((x) => tf.sum(x), { kind: 'r1', real: a }),
            ShapeError,
            /D must return logits \[N, \.\.\.\] with N = 2/,
          );
          throws(
            () => gradientPenalty(D, { kind: 'gp' as never, real: a }),
            ArgumentError,
            /'wgan-gp', 'r1', 'r2', 'dragan'/,
          );
        },
      ],
      [
        'style losses',
        ({ a, b, v }) => {
          // Style: ranks, Gram shapes, missing layers.
          throws(
            () => gramMatrix(v),
            ShapeError,
            /features must be a tensor of shape \[N, H, W, C\] \(rank 4\), got a tensor of shape \[3, 4\]/,
          );
          throws(
            () => styleLoss({ a }, { a: tf.zeros([1, 4, 4]) }),
            ShapeError,
            /targetGrams.a must be \[2 or 1, 3, 3\]/,
          );
          throws(
            () => styleLoss({ a }, { b: tf.zeros([1, 3, 3]) }),
            ArgumentError,
            /features has no layer 'b' \(it has 'a'\)/,
          );
          throws(
            () => contentLoss({ a }, { a: b }),
            ShapeError,
            /targetFeatures.a must have the shape of features.a/,
          );
          throws(
            () => perceptualLoss('vgg' as never, a, a),
            ArgumentError,
            /featureFn must be a function/,
          );
          throws(
            () => guidedGram(a, tf.zeros([2, 2, 2, 1])),
            ShapeError,
            /guides must be \[2 or 1, 4, 4, R\]/,
            /resize masks per layer/,
          );
          throws(() => totalVariation(tf.zeros([1, 1, 4, 3])), ShapeError, /H, W >= 2/);
          throws(
            () => totalVariation(a, { kind: 'l1' as never }),
            ArgumentError,
            /'anisotropic', 'isotropic', 'squared'/,
          );
        },
      ],
      [
        'temporal losses',
        ({ a, flow }) => {
          // Temporal: flows of the wrong shape, masks that do not broadcast.
          throws(
            () => warp(a, tf.zeros([2, 4, 4, 3])),
            ShapeError,
            /warp: flow must be \[2, 4, 4, 2\] \(u, v per pixel of the image\), got \[2, 4, 4, 3\]/,
          );
          throws(
            () => warp(a, tf.zeros([2, 4, 2])),
            ShapeError,
            /flow must be a tensor of shape \[N, H, W, 2\] \(rank 4\), got a tensor of shape \[2, 4, 2\]/,
          );
          throws(
            () => warp(a, flow, { padding: 'reflect' as never }),
            ArgumentError,
            /'border', 'zeros'/,
          );
          throws(
            () => occlusionMask(flow, tf.zeros([2, 4, 5, 2])),
            ShapeError,
            /reverseFlow must be \[2, 4, 4, 2\]/,
          );
          throws(
            () => occlusionMask(tf.zeros([2, 4, 4, 1]), flow),
            ShapeError,
            /flow must be \[2, 4, 4, 2\]/,
          );
          throws(
            () => temporalLoss(a, a, { flow: tf.zeros([1, 4, 4, 2]) }),
            ShapeError,
            /temporalLoss: flow must be \[2, 4, 4, 2\]/,
          );
          throws(
            () => temporalLoss(a, a, { mask: tf.zeros([2, 4, 4, 2]) }),
            ShapeError,
            /mask must broadcast/,
          );
        },
      ],
      [
        'metric and quality losses',
        ({ a, b, v }) => {
          // Metric and quality.
          throws(
            () => contrastive(v, v, tf.zeros([4])),
            ShapeError,
            /similar must be \[3\] \(one label per pair\)/,
          );
          throws(
            () => triplet(v, v, tf.zeros([3, 5])),
            ShapeError,
            /negative must have the shape of anchor/,
          );
          throws(
            () => triplet(a, a, a),
            ShapeError,
            /anchor must be a tensor of embeddings \[N, D\] \(rank 2\)/,
          );
          throws(
            () => psnr(a, a, {} as never),
            ArgumentError,
            /dataRange is required \(1 for images in \[0, 1\]/,
          );
          throws(
            () => ssim(a, a, { dataRange: -1 }),
            ArgumentError,
            /dataRange must be a finite number > 0, got -1/,
          );
          throws(
            () => ssim(a, a, { dataRange: 1 }),
            ShapeError,
            /at least 11×11 \(the Gaussian window at σ = 1.5\), got \[2, 4, 4, 3\]/,
          );
          throws(
            () => msSsim(tf.zeros([1, 40, 40, 1]), tf.zeros([1, 40, 40, 1]), { dataRange: 1 }),
            ShapeError,
            /images at scale 3 of 5 must be at least 11×11/,
          );
          throws(() => ssim(a, b, { dataRange: 1 }), ShapeError, /b must have the shape of a/);
        },
      ],
    ];
    for (const [family, check] of families) {
      it(`${family} name the argument, what they expected and what came`, () => {
        tf.tidy(() => check(inputs()));
      });
    }

    it('value checks: negative variances and weights, labels outside [0, 1]', (ctx) => {
      // WebGPU in Node cannot read back synchronously: the value checks are skipped there.
      if (!canReadSync()) ctx.skip();
      const before = tf.memory().numTensors;
      const v = tf.zeros([3, 4]);
      const negative = tf.fill([3, 4], -0.5);
      throws(
        () => klGaussians({ mean: v, variance: negative }, { mean: v, logvar: v }),
        ArgumentError,
        /p.variance must be > 0/,
        /-0.5/,
      );
      throws(
        () => klGaussians({ mean: v, logvar: v }, { mean: v, std: v }),
        ArgumentError,
        /q.std must be > 0/,
      );
      throws(
        () => weightedL1(v, v, negative),
        ArgumentError,
        /weight must be >= 0 everywhere, got values in \[-0.5/,
      );
      throws(
        () => contrastive(v, v, tf.tensor([0, 2, 1])),
        ArgumentError,
        /similar must be a label in \[0, 1\]/,
      );
      const img = tf.zeros([1, 4, 4, 1]);
      throws(
        () => temporalLoss(img, img, { mask: tf.fill([1, 4, 4, 1], -1) }),
        ArgumentError,
        /mask must be >= 0/,
      );
      throws(
        () => guidedGram(img, tf.fill([1, 4, 4, 1], -1)),
        ArgumentError,
        /guides must be >= 0/,
      );
      tf.dispose([v, negative, img]);
      // Inline tensors above are the test's; the checks themselves allocate nothing that stays.
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 3);
    });
  },
  { only: ['cpu', 'webgpu'] },
);
