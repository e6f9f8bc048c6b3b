import { tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import { finiteNumber, optionsArg, sameShape } from '../validate.js';
import { embeddingArg } from './embeddings.js';

export interface TripletOptions {
  /** Default 1. */
  margin?: number;
  /** The norm of the distance, p >= 1 (default 2). */
  p?: number;
  /** Added to every difference before the norm, as PyTorch's pairwise_distance (1e-6). */
  epsilon?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance (Balntas et al.'s swap). */
  swap?: boolean;
  /** 'mean' (default) over triplets, 'sum', or 'none' for one term per triplet [N]. */
  reduction?: Reduction;
}

/**
 * The triplet margin loss max(d(a, p) - d(a, n) + margin, 0) with
 * d(x, y) = ‖x - y + ε‖_p, as PyTorch's F.triplet_margin_loss, for embeddings [N, D].
 *
 * @example
 * const loss = triplet(embed(anchor), embed(positive), embed(negative), { margin: 1 });
 */
export function triplet(
  anchor: tf.Tensor,
  positive: tf.Tensor,
  negative: tf.Tensor,
  options?: TripletOptions,
): tf.Tensor {
  const fn = 'triplet';
  const o = optionsArg(fn, options);
  const a = embeddingArg(fn, 'anchor', anchor);
  const p = embeddingArg(fn, 'positive', positive);
  const n = embeddingArg(fn, 'negative', negative);
  sameShape(fn, ['anchor', a], ['positive', p]);
  sameShape(fn, ['anchor', a], ['negative', n]);
  const margin = finiteNumber(fn, 'margin', o.margin ?? 1, { min: 0 });
  const norm = finiteNumber(fn, 'p', o.p ?? 2, { min: 1 });
  const epsilon = finiteNumber(fn, 'epsilon', o.epsilon ?? 1e-6, { min: 0 });
  const reduction = reductionArg(fn, o.reduction);
  const distance = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => {
    const diff = tf.add(tf.sub(x, y), epsilon);
    if (norm === 2) return tf.sqrt(tf.sum(tf.square(diff), 1));
    if (norm === 1) return tf.sum(tf.abs(diff), 1);
    return tf.pow(tf.sum(tf.pow(tf.abs(diff), norm), 1), 1 / norm);
  };
  return tf.tidy(() => {
    const dPos = distance(a, p);
    let dNeg = distance(a, n);
    if (o.swap) dNeg = tf.minimum(dNeg, distance(p, n));
    return reduce(tf.relu(tf.add(tf.sub(dPos, dNeg), margin)), reduction);
  });
}
