import { tf } from '../../tfjs.js';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD, type InstanceNormAttrs } from './name.js';

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
 * Whether the engine records the ops run now for a further gradient (this backward
 * pass runs inside an outer tf.grad): then the gradient must be differentiable.
 */
function recordingForHigherOrder(): boolean {
  const engine = tf.engine() as unknown as { state: { gradientDepth: number } };
  return engine.state.gradientDepth > 0;
}

/**
 * The gradient of instance norm, from the saved inputs (never the output):
 * dx = invStd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma,
 * dgamma = sum(dy * xhat), dbeta = sum(dy).
 *
 * A plain backward pass runs it as one kernel (a WGSL program on WebGPU, host loops
 * on cpu and wasm). When the backward pass is itself being differentiated (gradient
 * penalties), it is written with differentiable tf ops instead, so second and higher
 * order gradients are exact.
 */
tf.registerGradient({
  kernelName: INSTANCE_NORM,
  inputsToSave: ['x', 'gamma'],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma] = saved as [tf.Tensor, tf.Tensor];
    const { epsilon } = attrs as unknown as InstanceNormAttrs;
    const grad = dy as tf.Tensor;
    const channels = x.shape[3]!;
    if (!recordingForHigherOrder()) {
      // One kernel for all three; the closures hand out its outputs.
      const [dx, params] = tf
        .engine()
        .runKernel<tf.Tensor[]>(INSTANCE_NORM_GRAD, { x, gamma, dy: grad }, attrs);
      return {
        x: () => dx!,
        gamma: () => tf.reshape(tf.slice(params!, [0, 0], [1, channels]), [channels]),
        beta: () => tf.reshape(tf.slice(params!, [1, 0], [1, channels]), [channels]),
      };
    }
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
