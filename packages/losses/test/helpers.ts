import { readFileSync } from 'node:fs';
import { tf } from '@atelier/core';
import { expect } from 'vitest';

/** A stored array: its shape and its values, flattened row-major (NHWC for images). */
export interface Stored {
  shape: number[];
  data: number[];
}

let cache: Record<string, any> | undefined;

/** The reference values written by tools/parity/losses.py (PyTorch, scikit-image, NumPy). */
export function fixture(): Record<string, any> {
  cache ??= JSON.parse(readFileSync(new URL('./fixtures/losses.json', import.meta.url), 'utf8'));
  return cache!;
}

export function tensor(stored: Stored): tf.Tensor {
  return tf.tensor(stored.data, stored.shape, 'float32');
}

/** |actual - expected| <= atol + rtol·|expected| element-wise, with the worst offender named. */
export async function expectClose(
  actual: tf.Tensor | number,
  expected: Stored | number[] | number,
  atol = 1e-5,
  rtol = 1e-4,
): Promise<void> {
  const got =
    typeof actual === 'number' ? [actual] : Array.from(await (actual as tf.Tensor).data());
  const want =
    typeof expected === 'number' ? [expected] : Array.isArray(expected) ? expected : expected.data;
  if (typeof actual !== 'number' && !Array.isArray(expected) && typeof expected !== 'number') {
    const shape = (actual as tf.Tensor).shape;
    const size = shape.reduce((a, b) => a * b, 1);
    expect(size).toBe(expected.shape.reduce((a, b) => a * b, 1));
  }
  expect(got.length).toBe(want.length);
  let worst = { i: -1, err: 0 };
  for (let i = 0; i < got.length; i++) {
    const diff = Math.abs(got[i]! - want[i]!);
    const err = diff === 0 ? 0 : diff / (atol + rtol * Math.abs(want[i]!));
    if (!(err <= worst.err)) worst = { i, err: Number.isNaN(err) ? Infinity : err };
  }
  if (worst.err > 1) {
    expect.fail(
      `element ${worst.i}: got ${got[worst.i]}, expected ${want[worst.i]} (atol ${atol}, rtol ${rtol})`,
    );
  }
}

/** Runs `body` and checks that it leaves the number of live tensors unchanged. */
export async function expectNoLeak(body: () => unknown | Promise<unknown>): Promise<void> {
  const before = tf.memory().numTensors;
  await body();
  expect(tf.memory().numTensors).toBe(before);
}

/** Number of finite-difference points per input: SwiftShader's WebGPU is slow. */
export function points(backend: string, wanted = 16): number {
  return backend === 'webgpu' ? Math.min(wanted, 5) : wanted;
}
