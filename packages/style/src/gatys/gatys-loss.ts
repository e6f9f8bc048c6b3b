import { ArgumentError, tf } from '@atelier/core';
import { fitSize, resizeImage } from '../image/resize.js';
import { optionsArg, rgbImageArg } from '../validate.js';
import { disposeSetup, gatysLoss, type LossParts } from './loss.js';
import { disposeStyles, readStyles, resolve, type StylizeOptions } from './stylize.js';
import { buildSetup } from './targets.js';

/** The Gatys objective of one resolution, for custom optimisers and benchmarks. */
export interface GatysLoss {
  /** The loss terms at x [1, h, w, 3] in [0, 1] (differentiable in x; call inside tf.tidy). */
  loss(x: tf.Tensor4D): LossParts;
  /** The content at the run's size, [1, h, w, 3] in [0, 1]: the usual starting point. */
  content: tf.Tensor4D;
  size: [number, number];
  /** Frees the targets (and the default network, when it made one). */
  dispose(): void;
}

export type GatysLossOptions = Omit<
  StylizeOptions,
  | 'scales'
  | 'iterations'
  | 'optimizer'
  | 'init'
  | 'initImage'
  | 'onProgress'
  | 'imageEvery'
  | 'signal'
  | 'preserveColors'
  | 'history'
  | 'lineSearch'
  | 'learningRate'
>;

/**
 * stylize()'s objective without the optimiser: the content features and style Gram
 * targets computed once at `size`, and a function from an image to the weighted loss
 * terms. Colour control and multi-resolution passes are stylize()'s own.
 */
export async function createGatysLoss(options: GatysLossOptions): Promise<GatysLoss> {
  const fn = 'createGatysLoss';
  const o = optionsArg(fn, options as StylizeOptions);
  if (o.content === undefined) throw new ArgumentError(`${fn}: expected { content, styles, ... }`);
  const bytes = rgbImageArg(fn, 'content', o.content, 2);
  const full = tf.tidy(() => tf.div(bytes, 255) as tf.Tensor4D);
  bytes.dispose();
  const [, H, W] = full.shape;
  const r = resolve(o as StylizeOptions, Math.max(H, W));
  const styles = await readStyles(o.styles, full).catch((error) => {
    full.dispose();
    if (r.ownsNetwork) r.network.dispose();
    throw error;
  });
  const size = fitSize(H, W, r.size);
  const content = resizeImage(full, size);
  full.dispose();
  const prepared = styles.map((s) => ({
    image: resizeImage(
      s.image,
      fitSize(s.image.shape[1], s.image.shape[2], Math.round(r.size * (s.scale ?? r.styleScale))),
    ),
    weight: s.weight,
    ...(s.region ? { region: resizeImage(s.region, size) } : {}),
    ...(s.mask ? { mask: s.mask } : {}),
    ...(s.layers ? { layers: s.layers } : {}),
  }));
  try {
    const setup = buildSetup(content, prepared, {
      network: r.network,
      pooling: r.pooling,
      gram: r.gram,
      contentLayers: r.contentLayers,
      styleLayers: r.styleLayers,
      contentWeight: r.contentWeight,
      styleWeight: r.styleWeight,
      tvWeight: r.tvWeight,
      normalizeGradients: r.normalizeGradients,
    });
    return {
      loss: (x) => gatysLoss(x, setup),
      content,
      size,
      dispose: () => {
        disposeSetup(setup);
        content.dispose();
        if (r.ownsNetwork) r.network.dispose();
      },
    };
  } catch (error) {
    content.dispose();
    if (r.ownsNetwork) r.network.dispose();
    throw error;
  } finally {
    tf.dispose(
      prepared.flatMap((p) => [
        p.image,
        ...(p.region ? [p.region] : []),
        ...(p.mask ? [p.mask] : []),
      ]),
    );
    disposeStyles(styles);
  }
}
