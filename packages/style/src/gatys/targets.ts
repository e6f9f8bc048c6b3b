import { ArgumentError, tf } from '@atelier/core';
import type { GramNormalization } from '@atelier/losses';
import type { FeatureNetwork } from '../features/feature-network.js';
import { resizeMask } from '../image/resize.js';
import { gram, guidedGramOne } from './gram.js';
import type { LossSetup, StyleTerm } from './loss.js';

/** A style image ready for one resolution: [1, h, w, 3] in [0, 1], masks at its size. */
export interface PreparedStyle {
  image: tf.Tensor4D;
  /** Blend weight (global styles) or the region's weight (spatial control). */
  weight: number;
  /** Where on the output this style applies, [1, H, W, 1] at the output's size. */
  region?: tf.Tensor4D;
  /** Which part of the style image its statistics come from, [1, h, w, 1]. */
  mask?: tf.Tensor4D;
  /** The style layers it contributes to (scale control); default all. */
  layers?: string[];
}

export interface TargetOptions {
  network: FeatureNetwork;
  pooling: 'max' | 'avg';
  gram: GramNormalization;
  contentLayers: Record<string, number>;
  styleLayers: Record<string, number>;
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  normalizeGradients: boolean;
}

/** tf.tidy for a result that is a plain structure holding tensors (and numbers). */
function tidyKeep<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

function layerSize(t: tf.Tensor): [number, number] {
  return [t.shape[1]!, t.shape[2]!];
}

/**
 * The content features and style Gram targets of one resolution. Global styles blend
 * per layer: A_l = Σ_s w_s G_l(s) / Σ_s w_s over the styles that use layer l (neural-
 * style's -style_blend_weights; a style restricted to coarse or fine layers mixes
 * scales). Each style with a region is its own guided term (Gatys et al. 2017, spatial
 * control): the region's guided Gram on the output against the guided Gram of the
 * style's masked part (or the whole style image).
 */
export function buildSetup(
  content: tf.Tensor4D,
  styles: PreparedStyle[],
  o: TargetOptions,
): LossSetup {
  const contentNames = Object.keys(o.contentLayers);
  const styleNames = Object.keys(o.styleLayers);
  const pick = (s: PreparedStyle) =>
    s.layers ? styleNames.filter((l) => s.layers!.includes(l)) : styleNames;
  for (const s of styles) {
    if (s.layers && pick(s).length === 0) {
      throw new ArgumentError(
        `stylize: a style's layers (${s.layers.join(', ')}) share none with the style layers (${styleNames.join(', ')})`,
      );
    }
  }
  const { contentTargets, contentWeights, terms } = tidyKeep(() => {
    const contentFeats = o.network.features(content, contentNames, { pooling: o.pooling });
    const contentTargets: Record<string, tf.Tensor4D> = {};
    const contentWeights: Record<string, number> = {};
    for (const l of contentNames) {
      contentTargets[l] = contentFeats[l]!;
      contentWeights[l] = o.contentWeight * o.contentLayers[l]!;
    }
    // Output-side layer sizes, for resizing region guides.
    const sizes: Record<string, [number, number]> = {};
    const needSizes = styles.some((s) => s.region);
    if (needSizes) {
      const probe = o.network.features(content, styleNames, { pooling: o.pooling });
      for (const l of styleNames) sizes[l] = layerSize(probe[l]!);
    }

    const terms: StyleTerm[] = [];
    const global = styles.filter((s) => !s.region);
    if (global.length > 0) {
      const sums: Record<string, tf.Tensor> = {};
      const totals: Record<string, number> = {};
      for (const s of global) {
        const layers = pick(s);
        const feats = o.network.features(s.image, layers, { pooling: o.pooling });
        for (const l of layers) {
          const f = feats[l]!;
          const g = s.mask
            ? guidedGramOne(f, resizeMask(s.mask, layerSize(f)), o.gram)
            : gram(f, o.gram);
          const wg = tf.mul(g, s.weight);
          sums[l] = sums[l] ? tf.add(sums[l]!, wg) : wg;
          totals[l] = (totals[l] ?? 0) + s.weight;
        }
      }
      const weights: Record<string, number> = {};
      const targets: Record<string, tf.Tensor> = {};
      for (const l of styleNames) {
        if (!sums[l]) continue;
        targets[l] = tf.div(sums[l]!, totals[l]!);
        weights[l] = o.styleWeight * o.styleLayers[l]!;
      }
      terms.push({ weights, targets });
    }
    for (const s of styles.filter((st) => st.region)) {
      const layers = pick(s);
      const feats = o.network.features(s.image, layers, { pooling: o.pooling });
      const weights: Record<string, number> = {};
      const targets: Record<string, tf.Tensor> = {};
      const guides: Record<string, tf.Tensor4D> = {};
      for (const l of layers) {
        const f = feats[l]!;
        targets[l] = s.mask
          ? guidedGramOne(f, resizeMask(s.mask, layerSize(f)), o.gram)
          : gram(f, o.gram);
        guides[l] = resizeMask(s.region!, sizes[l]!);
        weights[l] = o.styleWeight * o.styleLayers[l]! * s.weight;
      }
      terms.push({ weights, targets, guides });
    }
    return { contentTargets, contentWeights, terms };
  });
  return {
    network: o.network,
    pooling: o.pooling,
    gram: o.gram,
    contentWeights,
    contentTargets,
    styles: terms,
    tvWeight: o.tvWeight,
    normalizeGradients: o.normalizeGradients,
  };
}
