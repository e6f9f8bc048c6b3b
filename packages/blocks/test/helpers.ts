import { readFileSync } from 'node:fs';
import { type Module, readSafetensors, tf } from '@atelier/core';
import { expect } from 'vitest';

export interface Fixture {
  tensors: Record<string, tf.Tensor>;
  configs: Record<string, Record<string, any>>;
}

/** The PyTorch reference file written by tools/parity/blocks_layers.py. */
export function loadFixture(name = 'layers.safetensors'): Fixture {
  const bytes = readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
  const { tensors, metadata } = readSafetensors(new Uint8Array(bytes));
  return { tensors, configs: JSON.parse(metadata.configs ?? '{}') };
}

/** The `c/<prefix>/<key>` entries of case `c`, keyed by `<key>` (a state dict). */
export function entries(
  fixture: Fixture,
  name: string,
  prefix: 'state' | 'after',
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  const start = `${name}/${prefix}/`;
  for (const [key, value] of Object.entries(fixture.tensors)) {
    if (key.startsWith(start)) out[key.slice(start.length)] = value;
  }
  return out;
}

export function tensor(fixture: Fixture, key: string): tf.Tensor {
  const t = fixture.tensors[key];
  if (!t) throw new Error(`fixture has no tensor ${key}`);
  return t;
}

/** NCHW (PyTorch) -> NHWC; other ranks unchanged. */
export function toNHWC(t: tf.Tensor): tf.Tensor {
  return t.rank === 4 ? tf.transpose(t, [0, 2, 3, 1]) : tf.clone(t);
}

/** NHWC -> NCHW; other ranks unchanged. */
export function toNCHW(t: tf.Tensor): tf.Tensor {
  return t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : tf.clone(t);
}

/** Max |a - b| after checking shapes agree. */
export async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = await Promise.all([a.data(), b.data()]);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(Number(x[i]) - Number(y[i]));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

export async function expectClose(a: tf.Tensor, b: tf.Tensor, atol = 1e-4): Promise<void> {
  const diff = await maxDiff(a, b);
  expect(diff).toBeLessThanOrEqual(atol);
}

/** A seeded uniform tensor in [-scale, scale): the same on every backend. */
export function seeded(shape: number[], seed: number, scale = 1): tf.Tensor {
  let a = seed >>> 0;
  const size = shape.reduce((p, q) => p * q, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5) * 2 * scale;
  }
  return tf.tensor(out, shape);
}

/**
 * Checks the gradients of sum(w * module(x)) with respect to every trainable parameter
 * against central finite differences, perturbing the variables in place (a few
 * coordinates each). The loss's projection w is fixed and seeded.
 */
export async function checkParameterGrads(
  module: Module,
  x: tf.Tensor,
  options: { step?: number; atol?: number; rtol?: number; points?: number } = {},
): Promise<{ worst: number; checked: number; failures: string[] }> {
  const step = options.step ?? 1e-2;
  const atol = options.atol ?? 2e-3;
  const rtol = options.rtol ?? 2e-2;
  const points = options.points ?? 4;
  const outShape = tf.tidy(() => (module.forward(x) as tf.Tensor).shape);
  const w = seeded(outShape, 99);
  const loss = () => tf.sum(tf.mul(module.forward(x) as tf.Tensor, w)) as tf.Scalar;
  const params = module.namedParameters().filter(([, v]) => v.trainable);
  const { grads } = tf.variableGrads(
    loss,
    params.map(([, v]) => v),
  );
  const failures: string[] = [];
  let worst = 0;
  let checked = 0;
  for (const [name, v] of params) {
    const g = grads[v.name];
    const analytic = g ? await g.data() : new Float32Array(v.size);
    const base = Float32Array.from(await v.data());
    for (let p = 0; p < Math.min(points, v.size); p++) {
      const i = Math.floor(((p + 0.5) / Math.min(points, v.size)) * v.size);
      const at = async (delta: number) => {
        const moved = base.slice();
        moved[i] = base[i]! + delta;
        tf.tidy(() => v.assign(tf.tensor(moved, v.shape)));
        const value = tf.tidy(loss);
        const out = (await value.data())[0]!;
        value.dispose();
        return out;
      };
      const h = step * Math.max(1, Math.abs(base[i]!));
      const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
      const err = Math.abs(analytic[i]! - numeric) / (atol + rtol * Math.abs(numeric));
      worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
      if (!(err <= 1)) failures.push(`${name}[${i}]: analytic ${analytic[i]}, numeric ${numeric}`);
      checked++;
    }
  }
  tf.dispose([w, ...Object.values(grads)]);
  return { worst, checked, failures };
}
