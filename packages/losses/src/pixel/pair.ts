import type { tf } from '@atelier/core';
import { sameShape, tensorArg } from '../validate.js';

/** A prediction and a target of the same shape (any rank), both float32 tensors. */
export function pairArgs(fn: string, input: unknown, target: unknown): [tf.Tensor, tf.Tensor] {
  const a = tensorArg(fn, 'input', input);
  const b = tensorArg(fn, 'target', target);
  sameShape(fn, ['input', a], ['target', b]);
  return [a, b];
}
