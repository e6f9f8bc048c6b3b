// Differentiable ops that tfjs lacks or that need PyTorch semantics; one op per file.
export { type InstanceNormOptions, instanceNorm } from './instance-norm.js';
