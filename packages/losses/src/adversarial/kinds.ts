/**
 * The adversarial losses TF-GAN offers, by name:
 * - 'minimax': Goodfellow et al.'s original game, G minimises log(1 - D(G(z)));
 * - 'nonSaturating': the same D, G maximises log D(G(z)) instead;
 * - 'lsgan': least squares (Mao et al.), with the TF-GAN factor 1/2 on every term;
 * - 'wasserstein': the critic's difference of means (use with a gradient penalty);
 * - 'hinge': the hinge loss of SAGAN / BigGAN;
 * - 'relativistic': relativistic average GAN (Jolicoeur-Martineau), RaSGAN.
 */
export type AdversarialKind =
  | 'minimax'
  | 'nonSaturating'
  | 'lsgan'
  | 'wasserstein'
  | 'hinge'
  | 'relativistic';

export const ADVERSARIAL_KINDS: readonly AdversarialKind[] = [
  'minimax',
  'nonSaturating',
  'lsgan',
  'wasserstein',
  'hinge',
  'relativistic',
];

/** Kinds whose terms compare the logits with a target label. */
export const LABELLED_KINDS: readonly AdversarialKind[] = [
  'minimax',
  'nonSaturating',
  'lsgan',
  'relativistic',
];
