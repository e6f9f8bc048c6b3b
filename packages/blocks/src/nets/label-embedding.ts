import {
  ArgumentError,
  checkInt,
  describe,
  Module,
  parameter,
  type Rng,
  rng,
  ShapeError,
  tf,
} from '@atelier/core';

/**
 * PyTorch's nn.Embedding for class labels: a table `weight` [numClasses, dim] drawn
 * from N(0, 1), looked up by label. The lookup is a one-hot product, whose gradient
 * every backend has.
 */
export class LabelEmbedding extends Module {
  readonly weight: tf.Variable;

  constructor(
    readonly numClasses: number,
    readonly dim: number,
    seed: number | Rng = 0,
  ) {
    super();
    checkInt('LabelEmbedding', 'numClasses', numClasses, { min: 1 });
    checkInt('LabelEmbedding', 'dim', dim, { min: 1 });
    const r = typeof seed === 'number' ? rng(seed) : seed;
    this.weight = parameter(() => r.normal([numClasses, dim]));
  }

  /** Labels int32 [N] -> [N, dim]. */
  forward(labels: tf.Tensor): tf.Tensor2D {
    return tf.matMul(oneHot(labels, this.numClasses, 'LabelEmbedding'), this.weight) as tf.Tensor2D;
  }
}

/** Labels int32 [N] as float32 one-hot rows [N, numClasses], checked. */
export function oneHot(labels: tf.Tensor, numClasses: number, where: string): tf.Tensor2D {
  if (!(labels instanceof tf.Tensor) || labels.rank !== 1) {
    throw new ShapeError(`${where}: expected labels [N], got ${describe(labels)}`);
  }
  if (labels.dtype !== 'int32') {
    throw new ArgumentError(`${where}: expected int32 labels, got ${labels.dtype}`);
  }
  return tf.tidy(() => tf.cast(tf.oneHot(labels, numClasses), 'float32')) as tf.Tensor2D;
}
