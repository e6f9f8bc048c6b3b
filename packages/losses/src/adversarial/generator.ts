import { ArgumentError, tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import { oneOf, optionsArg, sameShape, tensorArg } from '../validate.js';
import { sigmoidCrossEntropy } from './cross-entropy.js';
import { ADVERSARIAL_KINDS, type AdversarialKind } from './kinds.js';
import { type Label, labelArg, refuseLabels } from './labels.js';

export interface GeneratorLossOptions {
  /**
   * 'mean' (default) over every logit (batch and, for PatchGAN outputs [N, h, w, 1],
   * every patch), 'sum', or 'none' for the per-logit terms.
   */
  reduction?: Reduction;
  /** The label the generator wants its fakes to get (default 1): the target of
   * 'nonSaturating', 'lsgan' (Mao et al.'s c) and 'relativistic'. */
  realLabel?: Label;
  /** The label of fakes (default 0), which 'minimax' and 'relativistic' push away from. */
  fakeLabel?: Label;
  /** D's logits on real data: required by 'relativistic', refused by the others. */
  realLogits?: tf.Tensor;
}

/**
 * The generator's adversarial loss from D's logits on generated samples:
 * - minimax:        -BCE(f, fakeLabel)               = log(1 - σ(f)) at fakeLabel 0
 * - nonSaturating:   BCE(f, realLabel)               = -log σ(f)
 * - lsgan:           ½ (f - realLabel)²               (TF-GAN; junyanz's GANLoss is 2×)
 * - wasserstein:    -f
 * - hinge:          -f
 * - relativistic:    BCE(f - mean(r), realLabel) + BCE(r - mean(f), fakeLabel)
 * each averaged over the logits ('mean'), which handles PatchGAN outputs of any shape.
 *
 * @example
 * const lossG = adversarial.generator('nonSaturating', D.forward(fake));
 */
export function generator(
  kind: AdversarialKind,
  fakeLogits: tf.Tensor,
  options?: GeneratorLossOptions,
): tf.Tensor {
  const fn = 'adversarial.generator';
  const k = oneOf(fn, 'kind', kind, ADVERSARIAL_KINDS);
  const o = optionsArg(fn, options);
  const f = tensorArg(fn, 'fakeLogits', fakeLogits, { minRank: 1 });
  const reduction = reductionArg(fn, o.reduction);
  refuseLabels(fn, k, o as Record<string, unknown>, ['realLabel', 'fakeLabel']);
  const realLabel = labelArg(fn, 'realLabel', o.realLabel, 1, f);
  const fakeLabel = labelArg(fn, 'fakeLabel', o.fakeLabel, 0, f);
  let r: tf.Tensor | undefined;
  if (k === 'relativistic') {
    if (o.realLogits === undefined) {
      throw new ArgumentError(
        `${fn}: kind 'relativistic' compares fakes with reals: pass { realLogits } (D's logits on real data)`,
      );
    }
    r = tensorArg(fn, 'realLogits', o.realLogits, { minRank: 1 });
    if (reduction === 'none') sameShape(fn, ['fakeLogits', f], ['realLogits', r]);
  } else if (o.realLogits !== undefined) {
    throw new ArgumentError(`${fn}: realLogits is only used by kind 'relativistic', not '${k}'`);
  }
  return tf.tidy(() => {
    switch (k) {
      case 'minimax':
        return reduce(tf.neg(sigmoidCrossEntropy(f, fakeLabel)), reduction);
      case 'nonSaturating':
        return reduce(sigmoidCrossEntropy(f, realLabel), reduction);
      case 'lsgan':
        return reduce(tf.mul(0.5, tf.square(tf.sub(f, realLabel))), reduction);
      case 'wasserstein':
      case 'hinge':
        return reduce(tf.neg(f), reduction);
      case 'relativistic': {
        const real = r!;
        const onFake = sigmoidCrossEntropy(tf.sub(f, tf.mean(real)), realLabel);
        const onReal = sigmoidCrossEntropy(tf.sub(real, tf.mean(f)), fakeLabel);
        if (reduction === 'none') return tf.add(onFake, onReal);
        return tf.add(reduce(onFake, reduction), reduce(onReal, reduction));
      }
    }
  });
}
