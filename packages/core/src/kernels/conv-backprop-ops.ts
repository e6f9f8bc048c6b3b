import { tf } from '../tfjs.js';

/**
 * The backprop kernels of convolution as ops (tfjs 4.22 keeps these ops internal).
 * They run through the engine, so they are recorded on gradient tapes like any op.
 */

export type ConvPad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];

/** d(conv2d)/dx applied to dy: the transposed convolution of dy by filter. */
export function conv2dBackpropInput(
  inputShape: Shape4,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  pad: ConvPad,
  dimRoundingMode?: Rounding,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): tf.Tensor4D {
  const attrs: tf.Conv2DBackpropInputAttrs = {
    strides,
    pad,
    dataFormat,
    dimRoundingMode,
    inputShape,
  };
  return tf
    .engine()
    .runKernel(tf.Conv2DBackpropInput, { dy, filter }, attrs as unknown as tf.NamedAttrMap);
}

/** d(conv2d)/dfilter applied to dy. */
export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  strides: number | [number, number],
  pad: ConvPad,
  dimRoundingMode?: Rounding,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): tf.Tensor4D {
  const attrs: tf.Conv2DBackpropFilterAttrs = {
    strides,
    pad,
    dataFormat,
    dimRoundingMode,
    filterShape,
  };
  return tf
    .engine()
    .runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap);
}

/** d(depthwiseConv2d)/dx applied to dy. */
export function depthwiseBackpropInput(
  inputShape: Shape4,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: ConvPad,
  dimRoundingMode?: Rounding,
): tf.Tensor4D {
  const attrs: tf.DepthwiseConv2dNativeBackpropInputAttrs = {
    strides,
    dilations,
    pad,
    dimRoundingMode,
    inputShape,
  };
  return tf
    .engine()
    .runKernel(
      tf.DepthwiseConv2dNativeBackpropInput,
      { dy, filter },
      attrs as unknown as tf.NamedAttrMap,
    );
}

/** d(depthwiseConv2d)/dfilter applied to dy. */
export function depthwiseBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: ConvPad,
  dimRoundingMode?: Rounding,
): tf.Tensor4D {
  const attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs = {
    strides,
    dilations,
    pad,
    dimRoundingMode,
    filterShape,
  };
  return tf
    .engine()
    .runKernel(
      tf.DepthwiseConv2dNativeBackpropFilter,
      { x, dy },
      attrs as unknown as tf.NamedAttrMap,
    );
}
