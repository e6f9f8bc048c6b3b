import { ShapeError } from '../../errors.js';
import { tf } from '../../tfjs.js';

/**
 * MaxPoolGrad(dy, x) routes each dy[o] to the position of its window's maximum. It is linear
 * in dy, so its gradient in dy is the adjoint: ddx read at each window's maximum, found by
 * MaxPoolWithArgmax (every backend has it, and it breaks ties as MaxPoolGrad does: the
 * first maximum in row-major order). In x (and the pooled output) it is piecewise
 * constant: zero. With this, the MaxPool gradient of tfjs (which reads the saved output
 * only to locate the maxima) is correct to second order.
 */
tf.registerGradient({
  kernelName: tf.MaxPoolGrad,
  inputsToSave: ['input', 'output'],
  gradFunc: (ddx, [input, output], attrs) => {
    const { filterSize, strides, pad } = attrs as unknown as tf.MaxPoolGradAttrs;
    return {
      dy: () => {
        const x = input!;
        const [, argmax] = tf.engine().runKernel(tf.MaxPoolWithArgmax, { x }, {
          filterSize,
          strides,
          pad,
          includeBatchInIndex: true,
        } as unknown as tf.NamedAttrMap) as tf.Tensor[];
        if (!tf.util.arraysEqual(argmax!.shape, output!.shape)) {
          throw new ShapeError(
            `MaxPoolGrad gradient: the window maxima have shape [${argmax!.shape}] but the pooled output has shape [${output!.shape}] (dimRoundingMode is not supported at second order)`,
          );
        }
        return tf.reshape(
          tf.gather(tf.reshape(ddx as tf.Tensor, [-1]), tf.reshape(argmax!, [-1])),
          output!.shape,
        );
      },
      input: () => tf.zerosLike(input!),
      output: () => tf.zerosLike(output!),
    };
  },
});
