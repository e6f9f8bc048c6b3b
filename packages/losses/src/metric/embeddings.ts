import { ShapeError, type tf } from '@atelier/core';
import { tensorArg } from '../validate.js';

/** A batch of embeddings [N, D]. */
export function embeddingArg(fn: string, name: string, value: unknown): tf.Tensor2D {
  const t = tensorArg(fn, name, value, { rank: 2, layout: 'of embeddings [N, D]' });
  if (t.shape[1] === 0)
    throw new ShapeError(`${fn}: ${name} has no dimensions, got [${t.shape.join(', ')}]`);
  return t as tf.Tensor2D;
}
