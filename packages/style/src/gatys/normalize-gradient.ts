import { tf } from '@atelier/core';

/**
 * Identity forward; backward, the incoming gradient divided by its L1 norm (+ 1e-8) and
 * multiplied by `strength`: neural-style's -normalize_gradients, which every loss module
 * applies to its own gradient (so the loss values are unchanged, only their pull).
 */
export function normalizeGradient(x: tf.Tensor, strength: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    (args[1] as tf.GradSaveFunc)([]);
    return {
      value: tf.clone(args[0] as tf.Tensor),
      gradFunc: (g: tf.Tensor | tf.Tensor[]) => {
        const dy = g as tf.Tensor;
        return tf.mul(tf.div(dy, tf.add(tf.sum(tf.abs(dy)), 1e-8)), strength);
      },
    };
  });
  return f(x);
}
