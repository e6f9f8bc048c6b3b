/**
 * The instance-normalisation kernel: inputs `x` (NHWC float32), `gamma` and `beta`
 * (both [C]); attribute `epsilon`. Each (sample, channel) plane of x is normalised
 * over H and W with its biased variance, then scaled by gamma and shifted by beta.
 */
export const INSTANCE_NORM = 'AtelierInstanceNorm';

export interface InstanceNormAttrs {
  epsilon: number;
}
