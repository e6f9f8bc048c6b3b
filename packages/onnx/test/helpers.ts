import { Module, tf } from '@atelier/core';
import { relativeError } from '@atelier/core/testing';
import { expect } from 'vitest';
import { createOnnxSession } from '../src/index.js';

/** A module whose forward is a function: one op (or a few) to export. */
export class Fn extends Module {
  readonly #f: (x: tf.Tensor) => tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;
  constructor(f: (x: tf.Tensor) => tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>) {
    super();
    this.#f = f;
  }
  forward(x: tf.Tensor): tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor> {
    return this.#f(x);
  }
}

/** A tensor of x's shape with other values: what a session is traced on before it runs x. */
export function otherInput(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.reverse(x, 0), -0.5), 0.25));
}

/**
 * Runs `module` on `x` with tfjs and with onnxruntime (from the graph exported on
 * another input, so that nothing of the trace's input is baked in) and returns the
 * largest relative difference over its outputs.
 */
export async function onnxVersusTfjs(module: Module, x: tf.Tensor): Promise<number> {
  const expected = module.call(x) as tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;
  const session = await createOnnxSession(module, { threads: 1 });
  const probe = otherInput(x);
  tf.dispose((await session.run(probe)) as tf.TensorContainer);
  probe.dispose();
  const actual = await session.run(x);
  await session.dispose();
  const list = (v: typeof expected): tf.Tensor[] =>
    Array.isArray(v) ? v : 'dataId' in v ? [v as tf.Tensor] : Object.values(v);
  const [a, e] = [list(actual), list(expected)];
  expect(a.length).toBe(e.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, await relativeError(a[i]!, e[i]!));
  for (const t of [...a, ...e]) t.dispose();
  return worst;
}

export { relativeError };
