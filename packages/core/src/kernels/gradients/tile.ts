import { tf } from '../../tfjs.js';

/**
 * Tile's gradient for any rank (tfjs's stops at rank 4): the copies along each tiled axis
 * are summed, one axis at a time through a rank-4 view [outer, reps, size, inner], so no
 * backend meets a tensor of high rank. Built from reshape and sum, it is differentiable.
 */
tf.registerGradient({
  kernelName: tf.Tile,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => {
    const { reps } = attrs as unknown as tf.TileAttrs;
    return {
      x: () => {
        const shape = x!.shape;
        let grad = dy as tf.Tensor;
        // Current sizes: axes before `axis` are already reduced to x's sizes.
        const sizes = shape.map((s, i) => s * reps[i]!);
        for (let axis = 0; axis < shape.length; axis++) {
          if (reps[axis] === 1) continue;
          const outer = sizes.slice(0, axis).reduce((p, q) => p * q, 1);
          const inner = sizes.slice(axis + 1).reduce((p, q) => p * q, 1);
          grad = tf.sum(tf.reshape(grad, [outer, reps[axis]!, shape[axis]!, inner]), 1);
          sizes[axis] = shape[axis]!;
        }
        return tf.reshape(grad, shape);
      },
    };
  },
});
