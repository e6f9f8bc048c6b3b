import { ArgumentError, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  intrinsicLmse,
  lmse,
  retinex,
  scaleInvariantError,
  scaleInvariantMse,
} from '../src/index.js';

// Closed forms. A 20x20 truth, half 1 and half 3, against a constant estimate: the
// best scale gives the mean 2, the residual Σ(x − 2)² = n, Σ x² = 5n, so LMSE (one
// window) is 1/5 and the scale-invariant MSE is the variance, 1. A scaled truth scores
// 0; an estimate of 0 scores LMSE 1.

function halves(side = 20): tf.Tensor4D {
  const data = new Float32Array(side * side);
  for (let i = 0; i < data.length; i++) data[i] = i < data.length / 2 ? 1 : 3;
  return tf.tensor4d(data, [1, side, side, 1]);
}

describeBackends(
  'intrinsics metrics, loss and the Retinex baseline',
  () => {
    it('LMSE and the scale-invariant MSE match their closed forms', () => {
      const truth = halves();
      const flat = tf.onesLike(truth) as tf.Tensor4D;
      const scaled = tf.mul(truth, 2.5) as tf.Tensor4D;
      const zero = tf.zerosLike(truth) as tf.Tensor4D;
      expect(lmse(truth, flat)).toBeCloseTo(0.2, 6);
      expect(lmse(truth, scaled)).toBeCloseTo(0, 6);
      expect(lmse(truth, zero)).toBeCloseTo(1, 6);
      expect(scaleInvariantError(truth, flat)).toBeCloseTo(1, 6);
      expect(scaleInvariantError(truth, scaled)).toBeCloseTo(0, 6);
      // The benchmark's score: ½ · 0 (shading, scaled) + ½ · 0.2 (albedo, flat).
      expect(
        intrinsicLmse({ albedo: truth, shading: truth }, { albedo: flat, shading: scaled }),
      ).toBeCloseTo(0.1, 6);
      tf.dispose([truth, flat, scaled, zero]);
    });

    it('LMSE fits a scale per window: a different scale in each half costs nothing locally', () => {
      // Truth 1 everywhere on 40x20; the estimate 1 on the left 20 columns and 4 on the
      // right: windows at x = 0 and x = 20 are exact, the one at x = 10 straddles.
      const truth = tf.ones([1, 20, 40, 1]) as tf.Tensor4D;
      const est = tf.tidy(() => {
        const cols = tf.concat([tf.ones([1, 20, 20, 1]), tf.fill([1, 20, 20, 1], 4)], 2);
        return cols as tf.Tensor4D;
      });
      // Straddling window: x = 1 (n = 400); estimate 1 on 200 pixels and 4 on 200:
      // α = Σy / Σy² = 1000 / 3400, residual = 400 − 1000² / 3400; denominator 3 × 400.
      const straddle = 400 - 1e6 / 3400;
      expect(lmse(truth, est)).toBeCloseTo(straddle / 1200, 6);
      tf.dispose([truth, est]);
    });

    it('scaleInvariantMse: λ = 0 is the MSE, λ = 1 ignores a constant offset', () => {
      const a = tf.tensor4d([1, 2, 3, 6], [1, 2, 2, 1]);
      const b = tf.tensor4d([0, 0, 0, 0], [1, 2, 2, 1]);
      // d = 1, 2, 3, 6: mean d² = 50 / 4 = 12.5, mean d = 3: λ = 0.5 gives 12.5 − 4.5 = 8.
      expect(scaleInvariantMse(a, b, 0).dataSync()[0]).toBeCloseTo(12.5, 5);
      expect(scaleInvariantMse(a, b, 0.5).dataSync()[0]).toBeCloseTo(8, 5);
      expect(scaleInvariantMse(tf.add(b, 7) as tf.Tensor4D, b, 1).dataSync()[0]).toBeCloseTo(0, 5);
      expect(() => scaleInvariantMse(a, tf.zeros([1, 2, 2, 2]))).toThrow(ShapeError);
      expect(() => scaleInvariantMse(a, b, 2)).toThrow(ArgumentError);
      tf.dispose([a, b]);
    });

    it('Retinex separates a piecewise-constant albedo from a smooth shading', () => {
      // Albedo: a red and a blue half; shading: a smooth ramp. Retinex should give the
      // albedo up to a scale (LMSE near 0), far better than calling the image albedo.
      const side = 20;
      const albedo = new Float32Array(side * side * 3);
      const shading = new Float32Array(side * side * 3);
      const image = new Float32Array(side * side * 3);
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++) {
          const p = (y * side + x) * 3;
          const colour = x < side / 2 ? [0.8, 0.2, 0.2] : [0.2, 0.3, 0.9];
          const s = 0.3 + 0.6 * ((x + y) / (2 * side));
          for (let k = 0; k < 3; k++) {
            albedo[p + k] = colour[k]!;
            shading[p + k] = s;
            image[p + k] = colour[k]! * s;
          }
        }
      const shape = [1, side, side, 3] as [number, number, number, number];
      const truth = { albedo: tf.tensor4d(albedo, shape), shading: tf.tensor4d(shading, shape) };
      const img = tf.tensor4d(image, shape);
      const est = retinex(img, { intensity: 0.3, chroma: 0.05 });
      const score = intrinsicLmse(truth, est);
      const naive = intrinsicLmse(truth, { albedo: img, shading: tf.onesLike(img) as tf.Tensor4D });
      expect(score).toBeLessThan(1e-3);
      expect(naive).toBeGreaterThan(10 * score);
      expect(() =>
        retinex(tf.zeros([1, 4, 4, 1]) as tf.Tensor4D, { intensity: 0.1, chroma: 0.1 }),
      ).toThrow(ShapeError);
      expect(() => retinex(img, { intensity: -1, chroma: 0.1 })).toThrow(ArgumentError);
      tf.dispose([truth.albedo, truth.shading, img, est.albedo, est.shading]);
    });
  },
  { only: ['cpu'] },
);
