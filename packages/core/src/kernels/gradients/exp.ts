import { tf } from '../../tfjs.js';
import { savedOrRecomputed } from './recording.js';

/** d exp(x) = exp(x), recomputed from x at higher order. */
tf.registerGradient({
  kernelName: tf.Exp,
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, [x, y]) => ({
    x: () =>
      tf.mul(
        dy as tf.Tensor,
        savedOrRecomputed(y!, () => tf.exp(x!)),
      ),
  }),
});
