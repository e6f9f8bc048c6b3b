import { tf } from '@atelier/core';
import type { Evaluation, Objective } from '../optim/objective.js';
import { gatysLoss, type LossSetup } from './loss.js';

/** The loss terms at one point, read back as numbers. */
export interface LossValues {
  content: number;
  style: number;
  tv: number;
  temporal: number;
  total: number;
}

/**
 * An evaluation from the gradient and the stacked terms [content, style, tv, temporal,
 * total] read back, remembered by its gradient for `valuesOf`.
 */
export function recordEvaluation(
  values: WeakMap<Float32Array, LossValues>,
  grad: Float32Array,
  terms: Float32Array,
): Evaluation {
  // A copy: some backends hand out their own storage.
  const gradient = new Float32Array(grad);
  const [content, style, tv, temporal, total] = terms;
  const v = { content: content!, style: style!, tv: tv!, temporal: temporal!, total: total! };
  values.set(gradient, v);
  return { loss: v.total, grad: gradient };
}

/**
 * The Gatys objective as a function of the flat image (NHWC [1, h, w, 3] in [0, 1]), for
 * the optimisers: one forward and backward pass per call, the gradient and the loss
 * terms read back in one transfer each. `valuesOf(grad)` gives the terms of the
 * evaluation that returned `grad` (the line search picks among several).
 */
export function gatysObjective(
  setup: LossSetup,
  shape: [number, number, number, number],
): { objective: Objective; valuesOf: (grad: Float32Array) => LossValues | undefined } {
  const values = new WeakMap<Float32Array, LossValues>();
  const objective = async (flat: Float32Array): Promise<Evaluation> => {
    let terms: tf.Tensor | undefined;
    const grad = tf.tidy(() => {
      const x = tf.tensor4d(flat, shape);
      const { grads } = tf.valueAndGrads((input: tf.Tensor) => {
        const parts = gatysLoss(input as tf.Tensor4D, setup);
        terms = tf.keep(
          tf.stack([parts.content, parts.style, parts.tv, parts.temporal, parts.total]),
        );
        return parts.total;
      })([x]);
      return grads[0]!;
    });
    try {
      const [g, t] = await Promise.all([grad.data(), terms!.data()]);
      return recordEvaluation(values, g as Float32Array, t as Float32Array);
    } finally {
      tf.dispose([grad, terms!]);
    }
  };
  return { objective, valuesOf: (g) => values.get(g) };
}
