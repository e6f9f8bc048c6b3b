import type { tf } from '@atelier/core';
import type { GramNormalization } from '@atelier/losses';

/**
 * Which layers a style transfer reads and how much each counts, with the loss weights
 * that suit the network's feature scale.
 */
export interface LayerPreset {
  /** Content layers and their weights (e.g. { relu4_2: 1 }). */
  content: Record<string, number>;
  /** Style layers and their weights (e.g. { relu1_1: 1, ..., relu5_1: 1 }). */
  style: Record<string, number>;
  /** Default weight of the content loss. */
  contentWeight: number;
  /** Default weight of the style loss. */
  styleWeight: number;
  /** Default weight of the total variation loss (on the image in [0, 1]). */
  tvWeight: number;
  /** Default weight of video's temporal loss (mean squared difference on [0, 1] pixels). */
  temporalWeight: number;
  /** How Gram matrices are normalised; default 'chw'. */
  gram?: GramNormalization;
}

export interface FeatureOptions {
  /** VGG only: 'max' (default) or 'avg' pooling. */
  pooling?: 'max' | 'avg';
}

/**
 * A network that style transfer reads features from: VGG-16/19 with loaded weights, or
 * the weightless random multi-scale network. Images go in as [N, H, W, 3] in [0, 1].
 */
export interface FeatureNetwork {
  /** e.g. 'vgg19', 'vgg16', 'random-multiscale'. */
  readonly kind: string;
  /** Every layer `features` can return. */
  readonly layerNames: readonly string[];
  /** Named layer sets; `defaultPreset` is used when stylize names none. */
  readonly presets: Readonly<Record<string, LayerPreset>>;
  readonly defaultPreset: string;
  /** The requested layers' activations [N, h, w, C] (differentiable in x). */
  features(
    x: tf.Tensor4D,
    layers: readonly string[],
    options?: FeatureOptions,
  ): Record<string, tf.Tensor4D>;
  dispose(): void;
}

export function isFeatureNetwork(value: unknown): value is FeatureNetwork {
  const v = value as FeatureNetwork | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.features === 'function' &&
    Array.isArray(v.layerNames) &&
    typeof v.presets === 'object'
  );
}
