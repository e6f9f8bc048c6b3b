import { readFileSync } from 'node:fs';
import { readSafetensors, tf } from '@atelier/core';
import { relativeError } from '@atelier/core/testing';
import { expect } from 'vitest';

/** A parity fixture of tools/parity/nets.py (or dcgan.py), in NHWC. */
export interface NetFixture {
  input: tf.Tensor;
  /** `output`, or one entry per `output.<layer>` (VGG). */
  outputs: Record<string, tf.Tensor>;
  /** The reference's state dict, PyTorch layout and names. */
  state: Record<string, tf.Tensor>;
  config: Record<string, unknown>;
  dispose(): void;
}

function toNHWC(t: tf.Tensor): tf.Tensor {
  if (t.rank !== 4) return t;
  const out = tf.transpose(t, [0, 2, 3, 1]);
  t.dispose();
  return out;
}

/** Reads packages/blocks/test/fixtures/nets/<name>.safetensors on the current backend. */
export function loadNetFixture(name: string): NetFixture {
  const path = new URL(`../fixtures/nets/${name}.safetensors`, import.meta.url);
  const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(path)));
  const outputs: Record<string, tf.Tensor> = {};
  const state: Record<string, tf.Tensor> = {};
  let input: tf.Tensor | undefined;
  for (const [key, value] of Object.entries(tensors)) {
    if (key === 'input') input = toNHWC(value);
    else if (key === 'output') outputs.output = toNHWC(value);
    else if (key.startsWith('output.')) outputs[key.slice('output.'.length)] = toNHWC(value);
    else if (key.startsWith('state.')) state[key.slice('state.'.length)] = value;
    else throw new Error(`fixture ${name}: unexpected entry ${key}`);
  }
  if (!input) throw new Error(`fixture ${name}: no input`);
  const all = [input, ...Object.values(outputs), ...Object.values(state)];
  return {
    input,
    outputs,
    state,
    config: JSON.parse(metadata.config ?? '{}') as Record<string, unknown>,
    dispose: () => tf.dispose(all),
  };
}

/**
 * max |actual - expected| <= tol * max(1, max |expected|): an absolute 1e-4 for outputs
 * of unit scale, relative to the scale for large ones (TransformerNet's hundreds).
 */
export async function expectClose(
  actual: tf.Tensor,
  expected: tf.Tensor,
  tol = 1e-4,
): Promise<number> {
  expect(actual.shape).toEqual(expected.shape);
  const error = await relativeError(actual, expected);
  expect(error).toBeLessThanOrEqual(tol);
  return error;
}

/** max |a - b| (read asynchronously: WebGPU in Node cannot read synchronously). */
export async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const [value] = await d.data();
  d.dispose();
  return value!;
}
