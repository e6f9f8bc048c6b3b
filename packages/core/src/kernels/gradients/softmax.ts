import { tf } from '../../tfjs.js';
import { savedOrRecomputed } from './recording.js';

/**
 * d softmax: y * (dy - sum(dy * y)), with y recomputed from the logits at higher order.
 * (tf.logSoftmax is a customGrad op, not this kernel: saved-tensor-links.ts covers it.)
 */
tf.registerGradient({
  kernelName: tf.Softmax,
  inputsToSave: ['logits'],
  outputsToSave: [true],
  gradFunc: (dy, [logits, saved], attrs) => {
    const { dim } = attrs as unknown as tf.SoftmaxAttrs;
    return {
      logits: () => {
        const y = savedOrRecomputed(saved!, () => tf.softmax(logits!, dim));
        const dyTimesY = tf.mul(dy as tf.Tensor, y);
        return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y));
      },
    };
  },
});
