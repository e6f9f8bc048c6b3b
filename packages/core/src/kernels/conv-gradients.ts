/**
 * Gradients of convolution that tfjs 4.22 lacks or refuses, on every backend:
 * - Conv2D and DepthwiseConv2dNative with dilation > 1 (tfjs throws): exact, through
 *   the d*d phase images (spaceToBatchND), where a dilated convolution is a plain one;
 * - Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropInput and
 *   DepthwiseConv2dNativeBackpropFilter (none registered): second-order gradients of
 *   every convolution (gradient penalties) go through them.
 * Every gradient is written with differentiable ops from saved inputs only, so each
 * order's gradient has a gradient in turn.
 */
import { tf } from '../tfjs.js';
import {
  type ConvPad,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  depthwiseBackpropFilter,
  depthwiseBackpropInput,
} from './conv-backprop-ops.js';
import { fromPhases, toPhases } from './dilation-phases.js';
import './mirror-pad-gradient.js';

type Shape4 = [number, number, number, number];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function pairOf(value: number | [number, number] | undefined): [number, number] {
  if (value === undefined) return [1, 1];
  return typeof value === 'number' ? [value, value] : value;
}

/** tfjs runs dilation > 1 with stride > 1 in some forwards; the gradient here needs stride 1. */
function checkStrideOne(op: string, strides: number | [number, number]): void {
  const [sh, sw] = pairOf(strides);
  if (sh !== 1 || sw !== 1) {
    throw new Error(
      `Gradient of ${op}: dilation > 1 needs stride 1, got strides ${sh}x${sw} ` +
        '(ops.conv2d and ops.depthwiseConv2d take any stride with any dilation)',
    );
  }
}

/**
 * Gradients of a stride-1 convolution with dilation d: with the padded input split into
 * its d*d phase images (spaceToBatchND's x_b), the dilated convolution is a plain 'valid'
 * convolution of each phase, and interleaving the phases back gives the output.
 */
function dilatedGrads(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  dilations: [number, number],
  pad: ConvPad,
  dimRoundingMode: Rounding,
  depthwise: boolean,
): { x: () => tf.Tensor; filter: () => tf.Tensor } {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    filter.shape,
    1,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
  );
  const { top, bottom, left, right } = info.padInfo;
  const [dh, dw] = dilations;
  const extraH = (dh - ((x.shape[1] + top + bottom) % dh)) % dh;
  const extraW = (dw - ((x.shape[2] + left + right) % dw)) % dw;
  const padX: [[number, number], [number, number]] = [
    [top, bottom + extraH],
    [left, right + extraW],
  ];
  const padY: [[number, number], [number, number]] = [
    [0, extraH],
    [0, extraW],
  ];
  const phases = () => toPhases(x, [dh, dw], padX);
  const dyPhases = () => toPhases(dy, [dh, dw], padY);
  return {
    x: () => {
      const xb = phases();
      const dxb = depthwise
        ? depthwiseBackpropInput(xb.shape, dyPhases(), filter, 1, 1, 'valid')
        : conv2dBackpropInput(xb.shape, dyPhases(), filter, 1, 'valid');
      return fromPhases(dxb, [dh, dw], padX);
    },
    filter: () =>
      depthwise
        ? depthwiseBackpropFilter(phases(), dyPhases(), filter.shape, 1, 1, 'valid')
        : conv2dBackpropFilter(phases(), dyPhases(), filter.shape, 1, 'valid'),
  };
}

tf.registerGradient({
  kernelName: tf.Conv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { dilations, strides, pad, dataFormat, dimRoundingMode } =
      attrs as unknown as tf.Conv2DAttrs;
    const d = pairOf(dilations);
    if (d[0] === 1 && d[1] === 1) {
      return {
        x: () =>
          conv2dBackpropInput(
            x.shape,
            dy as tf.Tensor4D,
            filter,
            strides,
            pad,
            dimRoundingMode,
            dataFormat,
          ),
        filter: () =>
          conv2dBackpropFilter(
            x,
            dy as tf.Tensor4D,
            filter.shape,
            strides,
            pad,
            dimRoundingMode,
            dataFormat,
          ),
      };
    }
    if (dataFormat === 'NCHW') {
      throw new Error('Gradient of conv2d: dilation > 1 needs dataFormat NHWC');
    }
    checkStrideOne('conv2d', strides);
    return dilatedGrads(x, filter, dy as tf.Tensor4D, d, pad, dimRoundingMode, false);
  },
});

tf.registerGradient({
  kernelName: tf.DepthwiseConv2dNative,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { dilations, strides, pad, dimRoundingMode } =
      attrs as unknown as tf.DepthwiseConv2dNativeAttrs;
    const d = pairOf(dilations);
    if (d[0] === 1 && d[1] === 1) {
      return {
        x: () =>
          depthwiseBackpropInput(
            x.shape,
            dy as tf.Tensor4D,
            filter,
            strides,
            1,
            pad,
            dimRoundingMode,
          ),
        filter: () =>
          depthwiseBackpropFilter(
            x,
            dy as tf.Tensor4D,
            filter.shape,
            strides,
            1,
            pad,
            dimRoundingMode,
          ),
      };
    }
    checkStrideOne('depthwiseConv2d', strides);
    return dilatedGrads(x, filter, dy as tf.Tensor4D, d, pad, dimRoundingMode, true);
  },
});

tf.registerGradient({
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat, dimRoundingMode } =
      attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const w = ddw as tf.Tensor4D;
    return {
      x: () => conv2dBackpropInput(x.shape, dy, w, strides, pad, dimRoundingMode, dataFormat),
      dy: () =>
        tf.conv2d(x, w, strides, pad, dataFormat === 'NCHW' ? 'NCHW' : 'NHWC', 1, dimRoundingMode),
    };
  },
});

tf.registerGradient({
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, dilations, pad, dimRoundingMode } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    const g = ddx as tf.Tensor4D;
    return {
      dy: () => tf.depthwiseConv2d(g, filter, strides, pad, 'NHWC', dilations, dimRoundingMode),
      filter: () =>
        depthwiseBackpropFilter(
          g,
          dy,
          filter.shape as Shape4,
          strides,
          dilations,
          pad,
          dimRoundingMode,
        ),
    };
  },
});

tf.registerGradient({
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, dilations, pad, dimRoundingMode } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    const w = ddw as tf.Tensor4D;
    return {
      x: () => depthwiseBackpropInput(x.shape, dy, w, strides, dilations, pad, dimRoundingMode),
      dy: () => tf.depthwiseConv2d(x, w, strides, pad, 'NHWC', dilations, dimRoundingMode),
    };
  },
});
