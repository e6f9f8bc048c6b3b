import { readFileSync } from 'node:fs';
import { decodeImage, tf } from '@atelier/core';
import { relativeError } from '@atelier/core/testing';
import { contentLoss, gramMatrix, guidedGram, styleLoss } from '@atelier/losses';
import type { FeatureNetwork } from '../src/index.js';

/** A shipped sample image (samples/*.png), [H, W, 3] in [0, 255]. */
export async function sample(name: 'chelsea' | 'coffee', square = false): Promise<tf.Tensor3D> {
  const bytes = new Uint8Array(readFileSync(new URL(`../samples/${name}.png`, import.meta.url)));
  const image = await decodeImage(bytes, { channels: 3 });
  if (!square) return image;
  const side = Math.min(image.shape[0], image.shape[1]);
  const left = Math.floor((image.shape[1] - side) / 2);
  const out = tf.slice(image, [0, left, 0], [side, side, 3]) as tf.Tensor3D;
  image.dispose();
  return out;
}

/** [H, W, 3] in [0, 255] to [1, h, w, 3] in [0, 1] at the given size (bilinear). */
export function unitBatch(image: tf.Tensor3D, size: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const x = tf.div(tf.expandDims(image, 0), 255) as tf.Tensor4D;
    return x.shape[1] === size[0] && x.shape[2] === size[1]
      ? x
      : tf.image.resizeBilinear(x, size, false, true);
  });
}

/**
 * The raw (unweighted) style and content losses of `image` against a content and a
 * style image, measured with @atelier/losses (an implementation independent of the
 * optimiser's), all at `image`'s size, with the layer weights of a preset.
 */
export async function measure(
  network: FeatureNetwork,
  preset: { content: Record<string, number>; style: Record<string, number> },
  image: tf.Tensor3D,
  content: tf.Tensor3D,
  style: tf.Tensor3D,
): Promise<{ style: number; content: number }> {
  const size: [number, number] = [image.shape[0], image.shape[1]];
  const values = tf.tidy(() => {
    const x = unitBatch(image, size);
    const c = unitBatch(content, size);
    const s = unitBatch(style, size);
    const cl = Object.keys(preset.content);
    const sl = Object.keys(preset.style);
    const fx = network.features(x, [...new Set([...cl, ...sl])]);
    const fc = network.features(c, cl);
    const fs = network.features(s, sl);
    const grams: Record<string, tf.Tensor> = {};
    const xs: Record<string, tf.Tensor> = {};
    const xc: Record<string, tf.Tensor> = {};
    for (const l of sl) {
      grams[l] = gramMatrix(fs[l]!);
      xs[l] = fx[l]!;
    }
    for (const l of cl) xc[l] = fx[l]!;
    return tf.stack([
      styleLoss(xs, grams, { weights: preset.style }),
      contentLoss(xc, fc, { weights: preset.content }),
    ]);
  });
  const [s, c] = (await values.data()) as Float32Array;
  values.dispose();
  return { style: s!, content: c! };
}

/** ‖guided Gram of `image` in `guide` − Gram of `style`‖² at one layer (losses' implementations). */
export async function regionGramDistance(
  network: FeatureNetwork,
  layer: string,
  image: tf.Tensor3D,
  guide: tf.Tensor4D,
  style: tf.Tensor3D,
): Promise<number> {
  const d = tf.tidy(() => {
    const x = unitBatch(image, [image.shape[0], image.shape[1]]);
    const f = network.features(x, [layer])[layer]!;
    const m = tf.image.resizeBilinear(guide, [f.shape[1], f.shape[2]], false, true);
    const g = tf.reshape(guidedGram(f, m), [f.shape[3], f.shape[3]]);
    const fs = network.features(unitBatch(style, [style.shape[0], style.shape[1]]), [layer])[
      layer
    ]!;
    const t = tf.reshape(gramMatrix(fs), [f.shape[3], f.shape[3]]);
    return tf.sum(tf.squaredDifference(g, t));
  });
  const v = (await d.data())[0]!;
  d.dispose();
  return v;
}

export { relativeError };
