import { ArgumentError, ShapeError, tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import { finiteNumber, oneOf, optionsArg, sameShape, tensorArg } from '../validate.js';
import { sigmoidCrossEntropy } from './cross-entropy.js';
import { ADVERSARIAL_KINDS, type AdversarialKind } from './kinds.js';
import { type Label, labelArg, refuseLabels } from './labels.js';

const CROSS_ENTROPY_KINDS: readonly AdversarialKind[] = [
  'minimax',
  'nonSaturating',
  'relativistic',
];

export interface DiscriminatorLossOptions {
  /**
   * 'mean' (default): each term averaged over its logits (batch × patches) and the two
   * terms added, so real and fake batches may differ in size; 'sum'; 'none': the
   * per-logit sum of both terms (real and fake logits of one shape).
   */
  reduction?: Reduction;
  /** Target of real logits (default 1): Salimans et al.'s one-sided smoothing is 0.9. */
  realLabel?: Label;
  /** Target of fake logits (default 0). */
  fakeLabel?: Label;
  /**
   * One-sided label smoothing s in [0, 1) of the real targets, as TF-GAN and
   * tf.losses.sigmoid_cross_entropy do: realLabel · (1 - s) + s / 2. Cross-entropy
   * kinds only ('minimax', 'nonSaturating', 'relativistic').
   */
  labelSmoothing?: number;
}

/**
 * The discriminator's (critic's) loss from its logits on real and generated samples:
 * - minimax, nonSaturating: BCE(r, realLabel) + BCE(f, fakeLabel)
 * - lsgan:        ½ (r - realLabel)² + ½ (f - fakeLabel)²       (TF-GAN)
 * - wasserstein:  f - r                    (mean(f) - mean(r))
 * - hinge:        relu(1 - r) + relu(1 + f)
 * - relativistic: BCE(r - mean(f), realLabel) + BCE(f - mean(r), fakeLabel)
 * Logits may be [N] or [N, 1] or PatchGAN maps [N, h, w, 1]; real and fake must agree
 * beyond the batch axis.
 *
 * @example
 * const lossD = adversarial.discriminator('lsgan', D.forward(real), D.forward(fake));
 */
export function discriminator(
  kind: AdversarialKind,
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  options?: DiscriminatorLossOptions,
): tf.Tensor {
  const fn = 'adversarial.discriminator';
  const k = oneOf(fn, 'kind', kind, ADVERSARIAL_KINDS);
  const o = optionsArg(fn, options);
  const r = tensorArg(fn, 'realLogits', realLogits, { minRank: 1 });
  const f = tensorArg(fn, 'fakeLogits', fakeLogits, { minRank: 1 });
  const reduction = reductionArg(fn, o.reduction);
  if (reduction === 'none') {
    sameShape(fn, ['realLogits', r], ['fakeLogits', f]);
  } else if (r.rank !== f.rank || !tf.util.arraysEqual(r.shape.slice(1), f.shape.slice(1))) {
    throw new ShapeError(
      `${fn}: realLogits and fakeLogits come from one discriminator and must agree beyond the batch axis, got [${r.shape.join(', ')}] and [${f.shape.join(', ')}]`,
    );
  }
  refuseLabels(fn, k, o as Record<string, unknown>, ['realLabel', 'fakeLabel']);
  if (o.labelSmoothing !== undefined && !CROSS_ENTROPY_KINDS.includes(k)) {
    throw new ArgumentError(
      `${fn}: labelSmoothing applies to the cross-entropy kinds (${CROSS_ENTROPY_KINDS.map((c) => `'${c}'`).join(', ')}), not '${k}'; give realLabel instead`,
    );
  }
  const smoothing = finiteNumber(fn, 'labelSmoothing', o.labelSmoothing ?? 0, { min: 0 });
  if (smoothing >= 1) {
    throw new ArgumentError(`${fn}: labelSmoothing must be < 1, got ${smoothing}`);
  }
  const realLabel = labelArg(fn, 'realLabel', o.realLabel, 1, r);
  const fakeLabel = labelArg(fn, 'fakeLabel', o.fakeLabel, 0, f);

  return tf.tidy(() => {
    const realTarget =
      smoothing === 0 ? realLabel : tf.add(tf.mul(realLabel, 1 - smoothing), smoothing / 2);
    let onReal: tf.Tensor;
    let onFake: tf.Tensor;
    switch (k) {
      case 'minimax':
      case 'nonSaturating':
        onReal = sigmoidCrossEntropy(r, realTarget);
        onFake = sigmoidCrossEntropy(f, fakeLabel);
        break;
      case 'lsgan':
        onReal = tf.mul(0.5, tf.square(tf.sub(r, realLabel)));
        onFake = tf.mul(0.5, tf.square(tf.sub(f, fakeLabel)));
        break;
      case 'wasserstein':
        onReal = tf.neg(r);
        onFake = f;
        break;
      case 'hinge':
        onReal = tf.relu(tf.sub(1, r));
        onFake = tf.relu(tf.add(1, f));
        break;
      case 'relativistic':
        onReal = sigmoidCrossEntropy(tf.sub(r, tf.mean(f)), realTarget);
        onFake = sigmoidCrossEntropy(tf.sub(f, tf.mean(r)), fakeLabel);
        break;
    }
    if (reduction === 'none') return tf.add(onReal, onFake);
    return tf.add(reduce(onReal, reduction), reduce(onFake, reduction));
  });
}
