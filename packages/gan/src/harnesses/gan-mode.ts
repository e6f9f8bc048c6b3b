import { ArgumentError, describe, tf } from '@atelier/core';
import { adversarial } from '@atelier/losses';

/** junyanz's `--gan_mode`. */
export const GAN_MODES = ['vanilla', 'lsgan', 'wgangp'] as const;
export type GanMode = (typeof GAN_MODES)[number];

export function ganModeOption(value: unknown, where: string, fallback: GanMode): GanMode {
  const v = value ?? fallback;
  if (!(GAN_MODES as readonly unknown[]).includes(v)) {
    throw new ArgumentError(
      `${where}: ganMode must be one of ${GAN_MODES.join(', ')}, got ${describe(value)}`,
    );
  }
  return v as GanMode;
}

/**
 * junyanz's `GANLoss(prediction, target_is_real)`, averaged over every logit (PatchGAN
 * maps included), built from @atelier/losses' TF-GAN terms:
 * - vanilla: BCE with logits against 1 or 0 (the non-saturating term with that label);
 * - lsgan: MSE against 1 or 0 (twice TF-GAN's ½(f − c)²);
 * - wgangp: −mean for real, +mean for fake.
 * A generator's loss is `ganLoss(D(fake), true)`; a discriminator's junyanz averages:
 * ½ (ganLoss(D(real), true) + ganLoss(D(fake), false)).
 */
export function ganLoss(
  mode: GanMode,
): (prediction: tf.Tensor, targetIsReal: boolean) => tf.Scalar {
  return (prediction, real) =>
    tf.tidy(() => {
      switch (mode) {
        case 'vanilla':
          return adversarial.generator('nonSaturating', prediction, {
            realLabel: real ? 1 : 0,
          }) as tf.Scalar;
        case 'lsgan':
          return tf.mul(
            adversarial.generator('lsgan', prediction, { realLabel: real ? 1 : 0 }),
            2,
          ) as tf.Scalar;
        case 'wgangp': {
          const critic = adversarial.generator('wasserstein', prediction) as tf.Scalar;
          return (real ? critic : tf.neg(critic)) as tf.Scalar;
        }
      }
    });
}
