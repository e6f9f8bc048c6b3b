import { ArgumentError, describe, tf } from '@atelier/core';
import { oneOf, optionsArg, sameShape, tensorArg } from '../validate.js';
import { type Features, featureMap, type LayerWeights, layer, layerWeights } from './features.js';

export interface PerceptualLossOptions {
  /** Per-layer weights; by default every layer featureFn returns, weight 1. */
  weights?: LayerWeights;
  /** Per-layer distance, averaged over the layer's elements: 'l2' (default) or 'l1'. */
  distance?: 'l2' | 'l1';
}

/**
 * Σ_l w_l · mean(d(φ_l(input), φ_l(target))) over any feature network φ (a function
 * from an image batch to one tensor, a list, or { layer: tensor }), e.g. Johnson et
 * al.'s feature reconstruction loss at VGG-16's relu2_2 with d = squared difference.
 * Input and target have one shape; both pass through featureFn (gradients reach both).
 *
 * @example
 * const loss = perceptualLoss((x) => vgg.forward(x), output, target, { weights: { relu2_2: 1 } });
 */
export function perceptualLoss(
  featureFn: (x: tf.Tensor) => Features,
  input: tf.Tensor,
  target: tf.Tensor,
  options?: PerceptualLossOptions,
): tf.Scalar {
  const fn = 'perceptualLoss';
  if (typeof featureFn !== 'function') {
    throw new ArgumentError(`${fn}: featureFn must be a function, got ${describe(featureFn)}`);
  }
  const o = optionsArg(fn, options);
  const a = tensorArg(fn, 'input', input);
  const b = tensorArg(fn, 'target', target);
  sameShape(fn, ['input', a], ['target', b]);
  const distance = oneOf(fn, 'distance', o.distance ?? 'l2', ['l2', 'l1']);
  return tf.tidy(() => {
    const fa = featureMap(fn, 'featureFn(input)', featureFn(a));
    const fb = featureMap(fn, 'featureFn(target)', featureFn(b));
    const terms = layerWeights(fn, o.weights, fa).map(([k, w]) => {
      const x = layer(fn, 'featureFn(input)', fa, k);
      const y = layer(fn, 'featureFn(target)', fb, k);
      sameShape(fn, [`featureFn(input).${k}`, x], [`featureFn(target).${k}`, y]);
      const d = distance === 'l2' ? tf.squaredDifference(x, y) : tf.abs(tf.sub(x, y));
      return tf.mul(tf.mean(d), w);
    });
    return tf.addN(terms) as tf.Scalar;
  });
}
