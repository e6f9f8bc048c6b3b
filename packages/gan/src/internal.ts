/**
 * @atelier/gan/internal: the pieces the trainer and metrics are built from, for the
 * workspace's tests, benchmarks and sibling packages. Not part of the public API: they
 * may change in any release.
 */
export { matmul, sqrtmPsd, traceSqrtPsd } from './metrics/sqrtm.js';
export { type Matrix, symmetricEigen } from './metrics/symmetric-eigen.js';
export { optimizerVariables, StepRun } from './trainer/step-context.js';
