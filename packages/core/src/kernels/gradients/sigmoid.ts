import { tf } from '../../tfjs.js';
import { savedOrRecomputed } from './recording.js';

/** d sigmoid(x) = s (1 - s), with s recomputed from x at higher order. */
tf.registerGradient({
  kernelName: tf.Sigmoid,
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, [x, y]) => ({
    x: () => {
      const s = savedOrRecomputed(y!, () => tf.sigmoid(x!));
      return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(1, s)));
    },
  }),
});
