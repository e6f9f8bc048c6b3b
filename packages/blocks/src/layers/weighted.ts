import type { Module, tf } from '@atelier/core';

/**
 * A layer whose weight can be replaced at run time: the reparametrisation wrappers
 * (spectral normalisation, equalised learning rate) compute a new weight from the
 * stored one and run the layer with it, as PyTorch's weight hooks do.
 */
export interface WeightedLayer extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable | undefined;
  /** `forward(x)` with `weight` in place of the stored weight (same shape and layout). */
  forwardWithWeight(x: tf.Tensor, weight: tf.Tensor): tf.Tensor;
}

export function isWeightedLayer(value: unknown): value is WeightedLayer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { forwardWithWeight?: unknown }).forwardWithWeight === 'function' &&
    (value as { weight?: unknown }).weight !== undefined
  );
}
