import { tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  contentLoss,
  gramMatrix,
  guidedGram,
  perceptualLoss,
  StyleLoss,
  styleLoss,
  totalVariation,
} from '../src/index.js';
import { expectClose, expectNoLeak, fixture, points, tensor } from './helpers.js';

const F = () => fixture().style;

/** The fixture's feature network: 1x1 conv -> ReLU ('a'); 2x2 mean -> 1x1 conv ('b'). */
function featureNet(p1: tf.Tensor, p2: tf.Tensor) {
  return (x: tf.Tensor) => {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const a = tf.reshape(tf.relu(tf.matMul(tf.reshape(x, [-1, c]), p1)), [n, h, w, p1.shape[1]!]);
    const pooled = tf.avgPool(a as tf.Tensor4D, 2, 2, 'valid');
    const [, ph, pw, k] = pooled.shape;
    const b = tf.reshape(tf.matMul(tf.reshape(pooled, [-1, k]), p2), [n, ph, pw, p2.shape[1]!]);
    return { a, b };
  };
}

describeBackends('style and perception', (backend) => {
  it('gramMatrix matches torch bmm under each normalisation (C·H·W by default)', async () => {
    const f = F();
    const x = tensor(f.features);
    await expectNoLeak(async () => {
      const g = [
        gramMatrix(x),
        gramMatrix(x, { normalize: 'hw' }),
        gramMatrix(x, { normalize: 'none' }),
      ];
      expect(g[0]!.shape).toEqual([2, 3, 3]);
      await expectClose(g[0]!, f.gram_chw);
      await expectClose(g[1]!, f.gram_hw);
      await expectClose(g[2]!, f.gram_none);
      tf.dispose(g);
    });
    x.dispose();
  });

  it('styleLoss, StyleLoss and contentLoss match MSE of Gram matrices / features (PyTorch)', async () => {
    const f = F();
    const [la, lb, sa, sb, ct] = [
      f.layer_a,
      f.layer_b,
      f.style_a,
      f.style_b,
      f.content_target_a,
    ].map(tensor);
    await expectNoLeak(async () => {
      const targets = { a: gramMatrix(sa!), b: gramMatrix(sb!) };
      const loss = styleLoss({ a: la!, b: lb!, unused: la! }, targets, {
        weights: { a: 1, b: 0.5 },
      });
      await expectClose(loss, f.style_loss);
      const content = contentLoss({ a: la! }, { a: ct! });
      await expectClose(content, f.content_loss);
      tf.dispose([loss, content, ...Object.values(targets)]);
    });
    // The class keeps the style's Gram matrices; here the "network" returns fixed features.
    const module = new StyleLoss((x) => (x === sa ? { a: sa!, b: sb! } : { a: la!, b: lb! }), sa!, {
      weights: { a: 1, b: 0.5 },
    });
    const viaClass = module.call(la!);
    await expectClose(viaClass, f.style_loss);
    viaClass.dispose();
    const before = tf.memory().numTensors;
    module.dispose();
    expect(tf.memory().numTensors).toBe(before - 2);
    expect(() => module.call(la!)).toThrow(/after dispose/);
    tf.dispose([la!, lb!, sa!, sb!, ct!]);
  });

  it('perceptualLoss over any feature function matches PyTorch (value and input gradient, l2 and l1)', async () => {
    const f = F();
    const [p1, p2, x, y] = [f.p1, f.p2, f.perceptual_x, f.perceptual_y].map(tensor);
    const net = featureNet(p1!, p2!);
    await expectNoLeak(async () => {
      const l2 = perceptualLoss(net, x!, y!, { weights: { a: 1, b: 0.3 } });
      const l1 = perceptualLoss(net, x!, y!, { weights: { a: 1, b: 0.3 }, distance: 'l1' });
      await expectClose(l2, f.perceptual_l2);
      await expectClose(l1, f.perceptual_l1);
      const [g] = tf.grads((v: tf.Tensor) =>
        perceptualLoss(net, v, y!, { weights: { a: 1, b: 0.3 } }),
      )([x!]);
      await expectClose(g!, f.perceptual_l2_grad, 1e-6);
      tf.dispose([l2, l1, g!]);
    });
    const r = await checkGrad((v) => perceptualLoss(net, v!, y!), [x!], {
      maxPoints: points(backend),
    });
    expect(r.ok, JSON.stringify(r.failures)).toBe(true);
    tf.dispose([p1!, p2!, x!, y!]);
  });

  it('totalVariation: anisotropic (tf.image.total_variation), isotropic, squared; per image or reduced', async () => {
    const f = F();
    const x = tensor(f.tv_x);
    await expectNoLeak(async () => {
      const none = totalVariation(x, { reduction: 'none' });
      expect(none.shape).toEqual([2]);
      await expectClose(none, f.tv_anisotropic);
      const iso = totalVariation(x, { kind: 'isotropic', reduction: 'none' });
      await expectClose(iso, f.tv_isotropic);
      const sq = totalVariation(x, { kind: 'squared', reduction: 'sum' });
      await expectClose(sq, f.tv_squared.data[0] + f.tv_squared.data[1]);
      const mean = totalVariation(x);
      await expectClose(mean, (f.tv_anisotropic.data[0] + f.tv_anisotropic.data[1]) / 2);
      tf.dispose([none, iso, sq, mean]);
    });
    const small = tf.tidy(() => tf.slice(x, [0, 0, 0, 0], [1, 3, 3, 2]));
    for (const kind of ['anisotropic', 'isotropic', 'squared'] as const) {
      const r = await checkGrad((v) => totalVariation(v!, { kind }), [small], {
        maxPoints: points(backend),
      });
      expect(r.ok, `${kind}: ${JSON.stringify(r.failures)}`).toBe(true);
    }
    tf.dispose([x, small]);
  });

  it('guidedGram: masked Gram matrices per guide, normalised by the guide energy; ones give gramMatrix', async () => {
    const f = F();
    const [feats, guides] = [tensor(f.guide_features), tensor(f.guides)];
    await expectNoLeak(async () => {
      const g = guidedGram(feats, guides);
      expect(g.shape).toEqual([1, 2, 3, 3]);
      await expectClose(g, f.guided_gram);
      const ones = tf.ones([1, 4, 5, 1]);
      const plain = gramMatrix(feats);
      const viaOnes = guidedGram(feats, ones);
      await expectClose(viaOnes, Array.from(await plain.data()));
      // A guide with no energy gives a zero matrix, not NaN.
      const none = tf.zeros([1, 4, 5, 1]);
      const empty = guidedGram(feats, none);
      await expectClose(empty, new Array(9).fill(0));
      tf.dispose([g, ones, plain, viaOnes, none, empty]);
    });
    const r = await checkGrad((x, m) => guidedGram(x!, m!), [feats, guides], {
      maxPoints: points(backend),
    });
    expect(r.ok, JSON.stringify(r.failures)).toBe(true);
    tf.dispose([feats, guides]);
  });

  it('styleLoss and gramMatrix gradients agree with finite differences', async () => {
    const f = F();
    const [la, sa] = [tensor(f.layer_a), tensor(f.style_a)];
    const target = gramMatrix(sa);
    const maxPoints = points(backend);
    const r1 = await checkGrad((x) => styleLoss({ a: x! }, { a: target }), [la], { maxPoints });
    const r2 = await checkGrad((x) => gramMatrix(x!, { normalize: 'hw' }), [la], { maxPoints });
    const r3 = await checkGrad((x, y) => contentLoss([x!], [y!]), [la, tf.zerosLike(la)], {
      maxPoints,
    });
    for (const r of [r1, r2, r3]) expect(r.ok, JSON.stringify(r.failures)).toBe(true);
    tf.dispose([la, sa, target]);
  });
});
