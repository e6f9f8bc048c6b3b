// Differentiable ops that tfjs lacks or that need PyTorch semantics; one op per file.

export type { Padding, PadMode, Pads, Pair } from './conv-args.js';
export { type Conv2dOptions, conv2d } from './conv2d.js';
export { type Conv2dTransposeOptions, conv2dTranspose } from './conv2d-transpose.js';
export { type DepthwiseConv2dOptions, depthwiseConv2d } from './depthwise-conv2d.js';
export { type InstanceNormOptions, instanceNorm } from './instance-norm.js';
export { pad2d } from './padding.js';
