import { tf } from '../../tfjs.js';
import { savedOrRecomputed } from './recording.js';

/** d tanh(x) = 1 - tanh(x)^2, with tanh(x) recomputed from x at higher order. */
tf.registerGradient({
  kernelName: tf.Tanh,
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, [x, y]) => ({
    x: () => {
      const t = savedOrRecomputed(y!, () => tf.tanh(x!));
      return tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(t)));
    },
  }),
});
