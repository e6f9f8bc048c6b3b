// Differentiable ops that tfjs lacks or that need PyTorch semantics; one op per file.
export { type InstanceNormOptions, instanceNorm } from './instance-norm.js';
export type { PadMode, Padding, Pads, Pair } from './conv-args.js';
export { pad2d } from './padding.js';
export { conv2d, type Conv2dOptions } from './conv2d.js';
export { conv2dTranspose, type Conv2dTransposeOptions } from './conv2d-transpose.js';
export { depthwiseConv2d, type DepthwiseConv2dOptions } from './depthwise-conv2d.js';
