import { tf } from '@atelier/core';

/**
 * The starting image of a frame in a later pass of Ruder et al.'s multi-pass algorithm:
 * (x + w c ω(x_nbr)) / (1 + w c), x the frame's result of the pass before, ω(x_nbr) the
 * neighbour in the pass's direction (already done in this pass) warped into the frame,
 * c its occlusion mask and w the blend weight (artistic-videos' blendWeight, 1). All
 * [1, H, W, C] in [0, 1]; c [1, H, W, 1].
 */
export function blendInit(
  previousPass: tf.Tensor4D,
  warpedNeighbour: tf.Tensor4D,
  mask: tf.Tensor4D,
  weight: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const wc = tf.mul(mask, weight);
    return tf.div(tf.add(previousPass, tf.mul(warpedNeighbour, wc)), tf.add(1, wc)) as tf.Tensor4D;
  });
}
