import { tf } from '@atelier/core';
import { type GramNormalization, temporalLoss, totalVariation } from '@atelier/losses';
import type { FeatureNetwork } from '../features/feature-network.js';
import { gram, guidedGramOne } from './gram.js';
import { normalizeGradient } from './normalize-gradient.js';

/** One style term: Gram targets per layer, weighted, over the whole image or a region. */
export interface StyleTerm {
  /** Layer -> weight (styleWeight × layer weight × blend weight folded in). */
  weights: Record<string, number>;
  /** Layer -> target Gram matrix [1, C, C] (global, or guided when `guides` is set). */
  targets: Record<string, tf.Tensor>;
  /** Layer -> the region's guide [1, h, w, 1] at that layer's resolution (spatial control). */
  guides?: Record<string, tf.Tensor4D>;
}

/** One reference frame of the temporal loss (Ruder et al.: one per j in J). */
export interface TemporalTerm {
  weight: number;
  /** The reference stylised frame warped into this one, [1, H, W, 3] in [0, 1]. */
  warped: tf.Tensor4D;
  /** Per-pixel reliability [1, H, W, 1] (occlusion mask). */
  mask?: tf.Tensor4D;
}

/** Everything the Gatys objective needs at one resolution; the tensors belong to it. */
export interface LossSetup {
  network: FeatureNetwork;
  pooling: 'max' | 'avg';
  gram: GramNormalization;
  /** Content layer -> weight (contentWeight folded in), and its target features. */
  contentWeights: Record<string, number>;
  contentTargets: Record<string, tf.Tensor4D>;
  styles: StyleTerm[];
  tvWeight: number;
  /** The temporal terms, one per reference frame (video). */
  temporal?: TemporalTerm[];
  normalizeGradients: boolean;
}

export interface LossParts {
  content: tf.Scalar;
  style: tf.Scalar;
  tv: tf.Scalar;
  temporal: tf.Scalar;
  total: tf.Scalar;
}

/** Every layer the setup reads. */
export function setupLayers(setup: Pick<LossSetup, 'contentWeights' | 'styles'>): string[] {
  const layers = new Set(Object.keys(setup.contentWeights));
  for (const term of setup.styles) for (const l of Object.keys(term.weights)) layers.add(l);
  return [...layers];
}

function weighted(x: tf.Tensor, weight: number, normalize: boolean): tf.Tensor {
  return normalize ? normalizeGradient(x, weight) : x;
}

/**
 * The Gatys et al. objective at image x [1, H, W, 3] in [0, 1]:
 *   Σ_l α_l mean((F_l - P_l)²)                        content
 * + Σ_terms Σ_l β_l mean((G_l - A_l)²)                style (global or guided Gram)
 * + γ Σ (Δx² + Δy²)                                   smoothness (TV)
 * + Σ_j τ_j mean(c_j · (x - ω_j(x_j))²)               temporal (video, per reference j)
 * With normalizeGradients each content and style term's gradient is L1-normalised and
 * scaled by its weight instead (the values stay as above).
 */
export function gatysLoss(x: tf.Tensor4D, setup: LossSetup): LossParts {
  const feats = setup.network.features(x, setupLayers(setup), { pooling: setup.pooling });
  const zero = tf.scalar(0);
  const contentTerms: tf.Tensor[] = [];
  for (const [l, w] of Object.entries(setup.contentWeights)) {
    const f = weighted(feats[l]!, w, setup.normalizeGradients);
    const mse = tf.mean(tf.squaredDifference(f, setup.contentTargets[l]!));
    contentTerms.push(setup.normalizeGradients ? mseValue(mse, w) : tf.mul(mse, w));
  }
  const styleTerms: tf.Tensor[] = [];
  for (const term of setup.styles) {
    for (const [l, w] of Object.entries(term.weights)) {
      const f = weighted(feats[l]!, w, setup.normalizeGradients) as tf.Tensor4D;
      const g = term.guides ? guidedGramOne(f, term.guides[l]!, setup.gram) : gram(f, setup.gram);
      const mse = tf.mean(tf.squaredDifference(g, term.targets[l]!));
      styleTerms.push(setup.normalizeGradients ? mseValue(mse, w) : tf.mul(mse, w));
    }
  }
  const content = (contentTerms.length ? tf.addN(contentTerms) : zero) as tf.Scalar;
  const style = (styleTerms.length ? tf.addN(styleTerms) : zero) as tf.Scalar;
  const tv = (
    setup.tvWeight > 0
      ? tf.mul(totalVariation(x, { kind: 'squared', reduction: 'sum' }), setup.tvWeight)
      : zero
  ) as tf.Scalar;
  const temporalTerms = (setup.temporal ?? [])
    .filter((t) => t.weight > 0)
    .map((t) => tf.mul(temporalLoss(x, t.warped, t.mask ? { mask: t.mask } : {}), t.weight));
  const temporal = (temporalTerms.length ? tf.addN(temporalTerms) : zero) as tf.Scalar;
  const total = tf.addN([content, style, tv, temporal]) as tf.Scalar;
  return { content, style, tv, temporal, total };
}

/**
 * w · mse in value, with the gradient of mse alone: under normalizeGradients the
 * weight is applied once, after the normalisation (as neural-style does).
 */
function mseValue(mse: tf.Tensor, w: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    (args[1] as tf.GradSaveFunc)([]);
    return {
      value: tf.mul(args[0] as tf.Tensor, w),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => dy,
    };
  });
  return f(mse);
}

/** Disposes the tensors a setup holds (not the network). */
export function disposeSetup(setup: LossSetup): void {
  tf.dispose(Object.values(setup.contentTargets));
  for (const term of setup.styles) {
    tf.dispose(Object.values(term.targets));
    if (term.guides) tf.dispose(Object.values(term.guides));
  }
  for (const t of setup.temporal ?? []) {
    tf.dispose(t.warped);
    if (t.mask) tf.dispose(t.mask);
  }
}
