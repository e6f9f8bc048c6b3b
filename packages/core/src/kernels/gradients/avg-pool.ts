import { tf } from '../../tfjs.js';
import { poolWindows } from './pool-windows.js';

/**
 * AvgPool's gradient. tfjs's divides every window by its full size, but the forward pass
 * (cpu, wasm, webgpu alike) divides by the positions inside the image, so at the borders
 * of 'same' or numeric padding tfjs's first-order gradient is wrong. Scaling dy by
 * 1 / (inside fraction) first makes AvgPoolGrad the exact adjoint.
 */
tf.registerGradient({
  kernelName: tf.AvgPool,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => {
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.AvgPoolAttrs;
    return {
      x: () => {
        const { insideFraction } = poolWindows(x!.shape, filterSize, strides, pad, dimRoundingMode);
        const scaled = insideFraction ? tf.div(dy as tf.Tensor, insideFraction) : (dy as tf.Tensor);
        return tf.engine().runKernel(tf.AvgPoolGrad, { dy: scaled, input: x! }, {
          filterSize,
          strides,
          pad,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      },
    };
  },
});

/**
 * AvgPoolGrad is linear in dy: dx[i] = sum over windows o holding i of dy[o] / |window|.
 * Its adjoint sums ddx over each window's inside positions and divides by |window|: that
 * is average pooling (which divides by the inside count) times the inside fraction.
 * It does not depend on the input's values.
 */
tf.registerGradient({
  kernelName: tf.AvgPoolGrad,
  inputsToSave: ['input'],
  gradFunc: (ddx, [input], attrs) => {
    const { filterSize, strides, pad } = attrs as unknown as tf.AvgPoolGradAttrs;
    return {
      dy: () => {
        const { insideFraction } = poolWindows(input!.shape, filterSize, strides, pad);
        const pooled = tf.avgPool(ddx as tf.Tensor4D, filterSize, strides, pad as 'same');
        return insideFraction ? tf.mul(pooled, insideFraction) : pooled;
      },
      input: () => tf.zerosLike(input!),
    };
  },
});
