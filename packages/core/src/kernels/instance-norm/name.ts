/**
 * The instance-normalisation kernel: inputs `x` (NHWC float32), `gamma` and `beta`
 * (both [C]); attribute `epsilon`. Each (sample, channel) plane of x is normalised
 * over H and W with its biased variance, then scaled by gamma and shifted by beta.
 */
export const INSTANCE_NORM = 'AtelierInstanceNorm';

/**
 * Its gradient as one kernel: inputs `x`, `gamma`, `dy`; outputs dx (the shape of x)
 * and [2, C] holding the gradients of gamma (row 0) and beta (row 1). It has no
 * gradient itself: gradients of gradients go through a composition (see gradient.ts).
 */
export const INSTANCE_NORM_GRAD = 'AtelierInstanceNormGrad';

export interface InstanceNormAttrs {
  epsilon: number;
}
