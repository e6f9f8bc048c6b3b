import { tf } from '@atelier/core';

/**
 * params[indices] for params [M, C] and int32 indices [K], differentiable with respect
 * to params on every backend: tfjs's GatherV2 gradient needs UnsortedSegmentSum, which
 * the wasm backend lacks, so the gradient is a ScatterNd (which sums repeated indices,
 * as a gather's gradient must). First order only.
 */
export function gatherRows(params: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const p = args[0] as tf.Tensor;
    // Saved, so the indices outlive the caller's tidy until the backward pass.
    (args[1] as tf.GradSaveFunc)([indices]);
    const shape = p.shape;
    return {
      value: tf.gather(p, indices),
      gradFunc: (dy: tf.Tensor, [kept]: tf.Tensor[]) =>
        tf.scatterND(tf.expandDims(kept!, 1), dy, shape),
    };
  });
  return op(params) as tf.Tensor2D;
}
