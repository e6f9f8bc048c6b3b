import { readFileSync } from 'node:fs';
import { readSafetensors, tf } from '@atelier/core';
import { expect } from 'vitest';

/**
 * The PyTorch parity fixtures of @atelier/blocks (tools/parity/nets.py and dcgan.py):
 * the reference networks' state dicts, an input and the reference's outputs, in NHWC.
 */
export interface NetFixture {
  input: tf.Tensor;
  outputs: Record<string, tf.Tensor>;
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

export function loadNetFixture(name: string): NetFixture {
  const path = new URL(`../../blocks/test/fixtures/nets/${name}.safetensors`, import.meta.url);
  const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(path)));
  const outputs: Record<string, tf.Tensor> = {};
  const state: Record<string, tf.Tensor> = {};
  let input: tf.Tensor | undefined;
  for (const [key, value] of Object.entries(tensors)) {
    if (key === 'input') input = toNHWC(value);
    else if (key === 'output') outputs.output = toNHWC(value);
    else if (key.startsWith('output.')) outputs[key.slice('output.'.length)] = toNHWC(value);
    else if (key.startsWith('state.')) state[key.slice('state.'.length)] = value;
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

/** max |actual - expected| <= tol * max(1, max |expected|). */
export async function expectClose(
  actual: tf.Tensor,
  expected: tf.Tensor,
  tol = 1e-4,
): Promise<number> {
  expect(actual.shape).toEqual(expected.shape);
  const [a, e] = await Promise.all([actual.data(), expected.data()]);
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    scale = Math.max(scale, Math.abs(e[i]!));
    const d = Math.abs(a[i]! - e[i]!);
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  expect(worst / scale).toBeLessThanOrEqual(tol);
  return worst / scale;
}
