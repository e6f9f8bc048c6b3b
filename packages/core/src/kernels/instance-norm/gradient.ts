import { tf } from '../../tfjs.js';
import { INSTANCE_NORM, type InstanceNormAttrs } from './name.js';

const SPATIAL = [1, 2];

/** x normalised over H and W (no affine), recomputed from x with differentiable ops. */
function normalised(x: tf.Tensor, epsilon: number): { xhat: tf.Tensor; invStd: tf.Tensor } {
  const mean = tf.mean(x, SPATIAL, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), SPATIAL, true);
  // 1 / sqrt(.) rather than rsqrt: Sqrt's and Div's gradients recompute from their
  // inputs, so gradients of this gradient are exact too.
  const invStd = tf.div(1, tf.sqrt(tf.add(variance, epsilon)));
  return { xhat: tf.mul(centred, invStd), invStd };
}

/**
 * The gradient of instance norm, written with differentiable tf ops from the saved
 * inputs (never the output), so gradients of gradients are correct as well:
 * dx = invStd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma.
 */
tf.registerGradient({
  kernelName: INSTANCE_NORM,
  inputsToSave: ['x', 'gamma'],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma] = saved as [tf.Tensor, tf.Tensor];
    const { epsilon } = attrs as unknown as InstanceNormAttrs;
    const grad = dy as tf.Tensor;
    return {
      x: () => {
        const { xhat, invStd } = normalised(x, epsilon);
        const g = tf.mul(grad, gamma);
        const meanG = tf.mean(g, SPATIAL, true);
        const meanGX = tf.mean(tf.mul(g, xhat), SPATIAL, true);
        return tf.mul(invStd, tf.sub(tf.sub(g, meanG), tf.mul(xhat, meanGX)));
      },
      gamma: () => tf.sum(tf.mul(grad, normalised(x, epsilon).xhat), [0, 1, 2]),
      beta: () => tf.sum(grad, [0, 1, 2]),
    };
  },
});
