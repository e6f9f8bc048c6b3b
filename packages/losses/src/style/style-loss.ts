import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';
import { optionsArg } from '../validate.js';
import { type Features, featureMap, type LayerWeights, layer, layerWeights } from './features.js';
import { type GramNormalization, gramMatrix, gramNormalizationArg } from './gram.js';

export interface StyleLossOptions {
  /** Per-layer weights; by default every layer of the targets, weight 1. */
  weights?: LayerWeights;
  /** The Gram normalisation the targets were computed with (default 'chw'). */
  normalize?: GramNormalization;
}

/**
 * Σ_l w_l · mean((G(F_l) - A_l)²): the style loss of Gatys et al. with the Gram
 * normalisation of Johnson et al. by default (see GramNormalization), averaged over the
 * batch and the C×C entries as jcjohnson/neural-style's and pytorch/examples' MSE.
 * `features` are the input's NHWC features; `targetGrams` Gram matrices [N or 1, C, C]
 * per layer (gramMatrix of the style image's features; one style broadcasts).
 *
 * @example
 * const targets = { relu1_1: gramMatrix(styleFeats.relu1_1) };
 * const loss = styleLoss({ relu1_1: outFeats.relu1_1 }, targets);
 */
export function styleLoss(
  features: Features,
  targetGrams: Features,
  options?: StyleLossOptions,
): tf.Scalar {
  const fn = 'styleLoss';
  const o = optionsArg(fn, options);
  const feats = featureMap(fn, 'features', features);
  const targets = featureMap(fn, 'targetGrams', targetGrams);
  const normalize = gramNormalizationArg(fn, o.normalize);
  const used = layerWeights(fn, o.weights, targets);
  const pairs = used.map(([k, w]) => {
    const f = layer(fn, 'features', feats, k);
    const g = layer(fn, 'targetGrams', targets, k);
    if (f.rank !== 4) {
      throw new ShapeError(`${fn}: features.${k} must be NHWC [N, H, W, C], got ${describe(f)}`);
    }
    const c = f.shape[3]!;
    const n = f.shape[0]!;
    if (
      g.rank !== 3 ||
      g.shape[1] !== c ||
      g.shape[2] !== c ||
      (g.shape[0] !== n && g.shape[0] !== 1)
    ) {
      throw new ShapeError(
        `${fn}: targetGrams.${k} must be [${n} or 1, ${c}, ${c}] (a Gram matrix of ${c} channels), got [${g.shape.join(', ')}]`,
      );
    }
    return [f, g, w] as const;
  });
  return tf.tidy(() => {
    const terms = pairs.map(([f, g, w]) =>
      tf.mul(tf.mean(tf.squaredDifference(gramMatrix(f, { normalize }), g)), w),
    );
    return tf.addN(terms) as tf.Scalar;
  });
}

/**
 * A style loss that keeps its target: the Gram matrices of `featureFn(style)`, computed
 * once. `call(input)` runs featureFn on the input; `dispose()` frees the targets.
 */
export class StyleLoss {
  readonly targets: Record<string, tf.Tensor>;
  private readonly options: StyleLossOptions;
  private disposed = false;

  constructor(
    private readonly featureFn: (x: tf.Tensor) => Features,
    style: tf.Tensor,
    options: StyleLossOptions = {},
  ) {
    if (typeof featureFn !== 'function') {
      throw new ArgumentError(
        `StyleLoss: featureFn must be a function, got ${describe(featureFn)}`,
      );
    }
    this.options = optionsArg('StyleLoss', options);
    const normalize = gramNormalizationArg('StyleLoss', this.options.normalize);
    this.targets = tf.tidy(() => {
      const feats = featureMap('StyleLoss', 'featureFn(style)', featureFn(style));
      const used = layerWeights('StyleLoss', this.options.weights, feats);
      const out: Record<string, tf.Tensor> = {};
      for (const [k] of used)
        out[k] = gramMatrix(layer('StyleLoss', 'featureFn(style)', feats, k), { normalize });
      return out;
    });
  }

  call(input: tf.Tensor): tf.Scalar {
    if (this.disposed) throw new ArgumentError('StyleLoss: used after dispose()');
    return tf.tidy(() => styleLoss(this.featureFn(input), this.targets, this.options));
  }

  dispose(): void {
    if (!this.disposed) tf.dispose(Object.values(this.targets));
    this.disposed = true;
  }
}
