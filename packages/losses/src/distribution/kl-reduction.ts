import { tf } from '@atelier/core';
import { oneOf } from '../validate.js';

/**
 * How KL terms (one per latent dimension) are reduced:
 * - 'batchmean' (default): summed over the latent dimensions, averaged over the batch
 *   (axis 0): the KL of the whole code per sample, as in Kingma & Welling's VAE;
 * - 'sum': summed over everything (BicycleGAN's `torch.sum(kl_element) * -0.5`);
 * - 'mean': averaged over every element (StackGAN's `torch.mean(KLD_element) * -0.5`);
 * - 'none': the element-wise terms.
 */
export type KlReduction = 'batchmean' | 'sum' | 'mean' | 'none';

export function klReductionArg(fn: string, value: unknown): KlReduction {
  return oneOf(fn, 'reduction', value ?? 'batchmean', ['batchmean', 'sum', 'mean', 'none']);
}

export function reduceKl(terms: tf.Tensor, reduction: KlReduction): tf.Tensor {
  switch (reduction) {
    case 'none':
      return terms;
    case 'sum':
      return tf.sum(terms);
    case 'mean':
      return tf.mean(terms);
    case 'batchmean':
      return terms.rank === 0 ? terms : tf.div(tf.sum(terms), terms.shape[0]!);
  }
}
