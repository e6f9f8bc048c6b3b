import { ShapeError, tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import { finiteNumber, optionsArg, sameShape, tensorArg, valuesIn } from '../validate.js';
import { embeddingArg } from './embeddings.js';

export interface ContrastiveOptions {
  /** Dissimilar pairs closer than the margin are pushed apart (default 1). */
  margin?: number;
  /** 'mean' (default) over pairs, 'sum', or 'none' for one term per pair [N]. */
  reduction?: Reduction;
}

/**
 * The contrastive loss of Siamese networks (Hadsell, Chopra & LeCun 2006):
 * ½ · [y · d² + (1 - y) · max(0, margin - d)²], d = ‖a - b‖₂, for embeddings a, b
 * [N, D] and labels `similar` [N], 1 for a matching pair and 0 for a non-matching one
 * (values in [0, 1]). The distance under the hinge is sqrt(d² + 1e-12), finite in its
 * gradient at d = 0.
 */
export function contrastive(
  a: tf.Tensor,
  b: tf.Tensor,
  similar: tf.Tensor,
  options?: ContrastiveOptions,
): tf.Tensor {
  const fn = 'contrastive';
  const o = optionsArg(fn, options);
  const x = embeddingArg(fn, 'a', a);
  const y = embeddingArg(fn, 'b', b);
  sameShape(fn, ['a', x], ['b', y]);
  const labels = tensorArg(fn, 'similar', similar, { rank: 1, layout: 'of labels [N]' });
  if (labels.shape[0] !== x.shape[0]) {
    throw new ShapeError(
      `${fn}: similar must be [${x.shape[0]}] (one label per pair), got [${labels.shape.join(', ')}]`,
    );
  }
  valuesIn(fn, 'similar', labels, { min: 0, max: 1 }, 'a label in [0, 1] (1 = same)');
  const margin = finiteNumber(fn, 'margin', o.margin ?? 1, { min: 0 });
  const reduction = reductionArg(fn, o.reduction);
  return tf.tidy(() => {
    const squared = tf.sum(tf.squaredDifference(x, y), 1);
    const distance = tf.sqrt(tf.add(squared, 1e-12));
    const hinge = tf.square(tf.relu(tf.sub(margin, distance)));
    const terms = tf.mul(0.5, tf.add(tf.mul(labels, squared), tf.mul(tf.sub(1, labels), hinge)));
    return reduce(terms, reduction);
  });
}
