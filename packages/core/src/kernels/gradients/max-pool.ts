import { tf } from '../../tfjs.js';

/**
 * Max pooling's gradient, routed through the window maxima that MaxPoolWithArgmax finds:
 * dx = dy scattered (summed) onto each window's maximum. The first-order scatter and the
 * second-order gather use the same maxima, so both orders agree on ties too.
 *
 * tfjs's gradient calls the MaxPoolGrad kernel, which has no gradient. And on wasm both
 * MaxPoolGrad and MaxPoolWithArgmax start their search for the maximum at FLT_MIN (the
 * smallest positive float): a window whose values are all <= 0 loses its gradient
 * (MaxPoolWithArgmax points it at the image's first pixel), which is wrong wherever a
 * window's maximum is negative (max pooling not preceded by a relu). Here the input is
 * padded explicitly (pooling 'valid', right for any padding or rounding mode) and, on
 * wasm, shifted to be positive first.
 */

type PoolAttrs = Pick<tf.MaxPoolAttrs, 'filterSize' | 'strides' | 'pad' | 'dimRoundingMode'>;

const LOWEST_FLOAT32 = -3.4028234663852886e38;

interface Maxima {
  /** Flat indices into the padded input (batch included), shaped like the pooled output. */
  argmax: tf.Tensor;
  paddings: [number, number][];
}

/** The window maxima of `x` pooled as `attrs` says, on an explicitly padded copy of x. */
function windowMaxima(x: tf.Tensor, attrs: PoolAttrs): Maxima {
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { top, left } = info.padInfo;
  // Far enough for the last window ('ceil' rounding may read past the padding).
  const bottom = Math.max(
    0,
    (info.outHeight - 1) * info.strideHeight + info.effectiveFilterHeight - info.inHeight - top,
  );
  const right = Math.max(
    0,
    (info.outWidth - 1) * info.strideWidth + info.effectiveFilterWidth - info.inWidth - left,
  );
  const paddings: [number, number][] = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  const padding = top + bottom + left + right > 0;
  let padded: tf.Tensor;
  if (tf.getBackend() === 'wasm') {
    // Values >= 2 and padding 1: every window's maximum is positive, the order unchanged
    // (up to values closer than a float step at the shifted magnitude: near-ties).
    const shifted = tf.add(tf.sub(x, tf.min(x)), 2);
    padded = padding ? tf.pad(shifted, paddings, 1) : shifted;
  } else {
    padded = padding ? tf.pad(x, paddings, LOWEST_FLOAT32) : x;
  }
  const [, argmax] = tf.engine().runKernel(tf.MaxPoolWithArgmax, { x: padded }, {
    filterSize,
    strides,
    pad: 'valid',
    includeBatchInIndex: true,
  } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { argmax: argmax!, paddings };
}

function paddedShape(shape: number[], paddings: [number, number][]): number[] {
  return shape.map((s, i) => s + paddings[i]![0] + paddings[i]![1]);
}

/** Sums `values` into zeros of `shape` at the flat `indices`. */
function scatterAdd(indices: tf.Tensor, values: tf.Tensor, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const flat = tf.scatterND(tf.reshape(indices, [-1, 1]), tf.reshape(values, [-1]), [size]);
  return tf.reshape(flat, shape);
}

/** dy scattered onto the maxima: the gradient of max pooling, as a function of dy and x. */
function routeToMaxima(dy: tf.Tensor, x: tf.Tensor, attrs: PoolAttrs): tf.Tensor {
  const { argmax, paddings } = windowMaxima(x, attrs);
  const scattered = scatterAdd(argmax, dy, paddedShape(x.shape, paddings));
  return tf.slice(scattered, [0, paddings[1]![0], paddings[2]![0], 0], x.shape);
}

/** ddx read at the maxima: the adjoint of `routeToMaxima` in dy. */
function readAtMaxima(ddx: tf.Tensor, x: tf.Tensor, attrs: PoolAttrs): tf.Tensor {
  const { argmax, paddings } = windowMaxima(x, attrs);
  const flat = tf.reshape(tf.pad(ddx, paddings), [-1]);
  return tf.reshape(tf.gather(flat, tf.reshape(argmax, [-1])), argmax.shape);
}

tf.registerGradient({
  kernelName: tf.MaxPool,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({
    x: () => routeToMaxima(dy as tf.Tensor, x!, attrs as unknown as PoolAttrs),
  }),
});

/**
 * tfjs's MaxPoolGrad kernel (no longer used by the gradient above) is linear in dy: its
 * gradient there reads ddx at the maxima; in its other inputs it is piecewise constant.
 */
tf.registerGradient({
  kernelName: tf.MaxPoolGrad,
  inputsToSave: ['input', 'output'],
  gradFunc: (ddx, [input, output], attrs) => ({
    dy: () => readAtMaxima(ddx as tf.Tensor, input!, attrs as unknown as PoolAttrs),
    input: () => tf.zerosLike(input!),
    output: () => tf.zerosLike(output!),
  }),
});

/** The scatter is linear in its updates: their gradient gathers dy at the same places. */
tf.registerGradient({
  kernelName: tf.ScatterNd,
  inputsToSave: ['indices'],
  gradFunc: (dy, [indices]) => ({
    updates: () => tf.gatherND(dy as tf.Tensor, indices!),
    indices: () => tf.zeros(indices!.shape, 'float32'),
  }),
});

/**
 * MaxPoolWithArgmax: the pooled values' gradient is the scatter onto the maxima, the
 * indices are piecewise constant. (Its indices enter the tape when the max-pool gradient
 * above is itself differentiated.) The maxima are found again the padded way, so any
 * padding is right on wasm too.
 */
tf.registerGradient({
  kernelName: tf.MaxPoolWithArgmax,
  inputsToSave: ['x'],
  gradFunc: (dys, [x], attrs) => {
    const { filterSize, strides, pad } = attrs as unknown as tf.MaxPoolWithArgmaxAttrs;
    return {
      x: () => routeToMaxima((dys as tf.Tensor[])[0]!, x!, { filterSize, strides, pad }),
    };
  },
});
