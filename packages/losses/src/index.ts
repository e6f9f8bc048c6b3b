export type { DiscriminatorLossOptions } from './adversarial/discriminator.js';
export type { GeneratorLossOptions } from './adversarial/generator.js';
export {
  driftPenalty,
  type GradientPenaltyOptions,
  gradientPenalty,
  PENALTY_KINDS,
  type PenaltyKind,
} from './adversarial/gradient-penalty.js';
export * as adversarial from './adversarial/index.js';
export { ADVERSARIAL_KINDS, type AdversarialKind } from './adversarial/kinds.js';
export type { Label } from './adversarial/labels.js';
export type { Gaussian } from './distribution/kl-gaussians.js';
export { klGaussians } from './distribution/kl-gaussians.js';
export { type KlOptions, klNormal } from './distribution/kl-normal.js';
export type { KlReduction } from './distribution/kl-reduction.js';
export { type ContrastiveOptions, contrastive } from './metric/contrastive.js';
export { type TripletOptions, triplet } from './metric/triplet.js';
export { type CharbonnierOptions, charbonnier } from './pixel/charbonnier.js';
export { l1, type PixelLossOptions } from './pixel/l1.js';
export { l2 } from './pixel/l2.js';
export { type WeightedLossOptions, weightedL1, weightedL2 } from './pixel/weighted.js';
export { gaussianWindow } from './quality/gaussian-window.js';
export { MS_SSIM_WEIGHTS, type MsSsimOptions, msSsim, msSsimLoss } from './quality/ms-ssim.js';
export { type PsnrOptions, psnr } from './quality/psnr.js';
export { type SsimOptions, ssim, ssimLoss } from './quality/ssim.js';
export { REDUCTIONS, type Reduction } from './reduction.js';
export { type ContentLossOptions, contentLoss } from './style/content-loss.js';
export type { Features, LayerWeights } from './style/features.js';
export {
  GRAM_NORMALIZATIONS,
  type GramNormalization,
  type GramOptions,
  gramMatrix,
} from './style/gram.js';
export { type GuidedGramOptions, guidedGram } from './style/guided-gram.js';
export { type PerceptualLossOptions, perceptualLoss } from './style/perceptual.js';
export { StyleLoss, type StyleLossOptions, styleLoss } from './style/style-loss.js';
export {
  type TotalVariationKind,
  type TotalVariationOptions,
  totalVariation,
} from './style/total-variation.js';
export type { WarpPadding } from './temporal/bilinear.js';
export { type OcclusionMaskOptions, occlusionMask } from './temporal/occlusion.js';
export { type TemporalLossOptions, temporalLoss } from './temporal/temporal-loss.js';
export { type WarpOptions, warp } from './temporal/warp.js';
