import { tf } from '@atelier/core';
import { optionsArg, sameShape, tensorArg } from '../validate.js';
import { type KlReduction, klReductionArg, reduceKl } from './kl-reduction.js';

export interface KlOptions {
  /** See KlReduction; 'batchmean' by default. */
  reduction?: KlReduction;
}

/**
 * KL(N(mu, exp(logvar)) || N(0, I)) of a diagonal Gaussian against the standard normal,
 * per dimension -0.5 (1 + logvar - mu² - exp(logvar)): the VAE / BicycleGAN / StackGAN
 * conditioning-augmentation term. mu and logvar have the same shape, [N, ...].
 *
 * @example
 * const kl = klNormal(mu, logvar); // a scalar, summed over dimensions, averaged over the batch
 */
export function klNormal(mu: tf.Tensor, logvar: tf.Tensor, options?: KlOptions): tf.Tensor {
  const o = optionsArg('klNormal', options);
  const m = tensorArg('klNormal', 'mu', mu, { minRank: 1 });
  const lv = tensorArg('klNormal', 'logvar', logvar, { minRank: 1 });
  sameShape('klNormal', ['mu', m], ['logvar', lv]);
  const reduction = klReductionArg('klNormal', o.reduction);
  return tf.tidy(() => {
    const terms = tf.mul(-0.5, tf.sub(tf.add(1, lv), tf.add(tf.square(m), tf.exp(lv))));
    return reduceKl(terms, reduction);
  });
}
