import { tf } from '../../tfjs.js';
import { recordingGradient } from './recording.js';

/**
 * d elu(x) = 1 for x > 0, elu(x) + 1 otherwise. At first order tfjs's EluGrad kernel does
 * this from the saved output; at higher order it is rebuilt from x out of differentiable ops.
 */
tf.registerGradient({
  kernelName: tf.Elu,
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, [x, y]) => ({
    x: () => {
      if (!recordingGradient())
        return tf.engine().runKernel(tf.EluGrad, { dy: dy as tf.Tensor, y: y! }) as tf.Tensor;
      const slope = tf.where(tf.greater(x!, 0), tf.onesLike(x!), tf.add(tf.elu(x!), 1));
      return tf.mul(dy as tf.Tensor, slope);
    },
  }),
});

/**
 * EluGrad(dy, y) = dy * (y > 0 ? 1 : y + 1): linear in dy (its own adjoint, elementwise),
 * and in y its slope is dy where y <= 0.
 */
tf.registerGradient({
  kernelName: tf.EluGrad,
  inputsToSave: ['dy', 'y'],
  gradFunc: (ddx, [dy, y]) => {
    const positive = tf.greater(y!, 0);
    return {
      dy: () => tf.mul(ddx as tf.Tensor, tf.where(positive, tf.onesLike(y!), tf.add(y!, 1))),
      y: () => tf.where(positive, tf.zerosLike(y!), tf.mul(ddx as tf.Tensor, dy!)),
    };
  },
});
