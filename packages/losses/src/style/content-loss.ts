import { tf } from '@atelier/core';
import { optionsArg, sameShape } from '../validate.js';
import { type Features, featureMap, type LayerWeights, layer, layerWeights } from './features.js';

export interface ContentLossOptions {
  /** Per-layer weights; by default every layer of the targets, weight 1. */
  weights?: LayerWeights;
}

/**
 * Σ_l w_l · mean((F_l - P_l)²): the content (feature reconstruction) loss of Gatys et
 * al. and Johnson et al., the MSE of each layer's features against the target's.
 */
export function contentLoss(
  features: Features,
  targetFeatures: Features,
  options?: ContentLossOptions,
): tf.Scalar {
  const fn = 'contentLoss';
  const o = optionsArg(fn, options);
  const feats = featureMap(fn, 'features', features);
  const targets = featureMap(fn, 'targetFeatures', targetFeatures);
  const pairs = layerWeights(fn, o.weights, targets).map(([k, w]) => {
    const f = layer(fn, 'features', feats, k);
    const t = layer(fn, 'targetFeatures', targets, k);
    sameShape(fn, [`features.${k}`, f], [`targetFeatures.${k}`, t]);
    return [f, t, w] as const;
  });
  return tf.tidy(
    () =>
      tf.addN(
        pairs.map(([f, t, w]) => tf.mul(tf.mean(tf.squaredDifference(f, t)), w)),
      ) as tf.Scalar,
  );
}
