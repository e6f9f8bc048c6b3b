import { tf } from '../../tfjs.js';
import { savedOrRecomputed } from './recording.js';

const { assertAndGetBroadcastShape, getReductionAxes } = tf.backend_util;

/** Sums a broadcast gradient back to the shape of the input it came from. */
function unbroadcast(grad: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(grad, axes) : grad, shape);
}

/**
 * d a^b / da = b a^(b-1); d a^b / db = a^b log(a) (taken as 0 where a <= 0). The second
 * reuses the output, which is recomputed from a and b at higher order.
 */
tf.registerGradient({
  kernelName: tf.Pow,
  inputsToSave: ['a', 'b'],
  outputsToSave: [true],
  gradFunc: (dy, [a, b, y]) => {
    const base = a!;
    const exponent = b!;
    const outShape = assertAndGetBroadcastShape(base.shape, exponent.shape);
    const derBase = () => {
      const e = tf.cast(exponent, 'float32');
      const grad = tf.mul(dy as tf.Tensor, tf.mul(e, tf.pow(base, tf.sub(e, 1))));
      return unbroadcast(grad, base.shape, outShape);
    };
    const derExponent = () => {
      const power = savedOrRecomputed(y!, () => tf.pow(base, exponent));
      const logBase = tf.where(tf.greater(base, 0), tf.log(base), tf.zerosLike(base));
      const grad = tf.mul(dy as tf.Tensor, tf.mul(power, logBase));
      return unbroadcast(grad, exponent.shape, outShape);
    };
    return { a: derBase, b: derExponent };
  },
});
