import { Module, tf } from '@atelier/core';
import { loadOnnx } from '../onnx-engine.js';
import type { Evaluation, Objective } from '../optim/objective.js';
import { type LossValues, recordEvaluation } from './evaluate.js';
import { gatysLoss, type LossSetup } from './loss.js';

/** One evaluation of the Gatys objective as a module: the loss terms and the image's gradient. */
class GatysEvaluation extends Module {
  readonly #setup: LossSetup;
  constructor(setup: LossSetup) {
    super();
    this.#setup = setup;
  }
  forward(x: tf.Tensor4D): [tf.Tensor, tf.Tensor] {
    let kept: tf.Tensor | undefined;
    const { grads } = tf.valueAndGrads((input: tf.Tensor) => {
      const parts = gatysLoss(input as tf.Tensor4D, this.#setup);
      // valueAndGrads frees what its function made but returned: kept, then handed over.
      kept = tf.keep(tf.stack([parts.content, parts.style, parts.tv, parts.temporal, parts.total]));
      return parts.total;
    })([x]);
    const terms = tf.clone(kept!);
    kept!.dispose();
    return [terms, grads[0]!];
  }
}

/**
 * The Gatys objective of `gatysObjective`, evaluated by onnxruntime: the loss and its
 * gradient are traced once (the first evaluation runs on tfjs, and compiles) into an
 * ONNX graph of the forward and backward passes, which onnxruntime then runs natively.
 * The targets of `setup` are constants of that graph: one objective per pass.
 */
export async function nativeGatysObjective(
  setup: LossSetup,
  shape: [number, number, number, number],
): Promise<{
  objective: Objective;
  valuesOf: (grad: Float32Array) => LossValues | undefined;
  dispose(): Promise<void>;
}> {
  const onnx = await loadOnnx('stylize');
  const session = await onnx.createOnnxSession(new GatysEvaluation(setup));
  const values = new WeakMap<Float32Array, LossValues>();
  const objective = async (flat: Float32Array): Promise<Evaluation> => {
    const x = tf.tensor4d(flat, shape);
    let outputs: tf.Tensor[] = [];
    try {
      outputs = (await session.run(x)) as tf.Tensor[];
      const [terms, grad] = outputs as [tf.Tensor, tf.Tensor];
      const [g, t] = await Promise.all([grad.data(), terms.data()]);
      return recordEvaluation(values, g as Float32Array, t as Float32Array);
    } finally {
      x.dispose();
      tf.dispose(outputs);
    }
  };
  return { objective, valuesOf: (g) => values.get(g), dispose: () => session.dispose() };
}
