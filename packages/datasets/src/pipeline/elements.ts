import { tf } from '@atelier/core';

/**
 * What a dataset yields: a tensor, or a record (or array) whose values are tensors,
 * numbers, strings or booleans. Records are how samples travel ({ A, B }, { image,
 * label, caption }); batching stacks each field.
 */
export type Element = tf.Tensor | number | string | boolean | ElementRecord | Element[];
export interface ElementRecord {
  [key: string]: Element | undefined;
}

/** The tensors an element holds, at any depth. */
export function tensorsOf(x: unknown, into: tf.Tensor[] = []): tf.Tensor[] {
  if (x instanceof tf.Tensor) into.push(x);
  else if (Array.isArray(x)) for (const v of x) tensorsOf(v, into);
  else if (x !== null && typeof x === 'object' && !ArrayBuffer.isView(x)) {
    for (const v of Object.values(x)) tensorsOf(v, into);
  }
  return into;
}

/** Disposes the tensors of `x`, except those also held by `keep`. */
export function disposeElement(x: unknown, keep?: unknown): void {
  const kept = keep === undefined ? undefined : new Set(tensorsOf(keep));
  for (const t of tensorsOf(x)) if (!kept?.has(t) && !t.isDisposed) t.dispose();
}
