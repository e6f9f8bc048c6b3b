import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { init, ops, shutdown, tf } from '../src/index.js';
import { describeBackends, testBackends } from '../src/testing/index.js';

/**
 * Forward parity of ops.conv2d, conv2dTranspose and depthwiseConv2d with PyTorch
 * (fixtures written by tools/parity/conv_ops.py) on every backend, and of the
 * backends with each other on inputs larger than the fixtures.
 */

interface Flat {
  shape: number[];
  data: number[];
}
interface Case {
  op: 'conv2d' | 'conv2dTranspose' | 'depthwiseConv2d';
  options: Record<string, unknown>;
  x: string;
  w: Flat;
  bias?: Flat;
  y: Flat;
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/ops/conv.json', import.meta.url), 'utf8'),
) as { inputs: Record<string, Flat>; cases: Case[] };

const tensor = (f: Flat) => tf.tensor(f.data, f.shape);

function run(c: Case): tf.Tensor {
  return tf.tidy(() => {
    const x = tensor(fixture.inputs[c.x]!);
    const w = tensor(c.w);
    const options = { ...c.options, ...(c.bias ? { bias: tensor(c.bias) } : {}) };
    if (c.op === 'conv2d') return ops.conv2d(x, w, options);
    if (c.op === 'conv2dTranspose') return ops.conv2dTranspose(x, w, options);
    return ops.depthwiseConv2d(x, w, options);
  });
}

function maxError(got: Float32Array | Int32Array | Uint8Array, want: number[]): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  }
  return worst;
}

describeBackends('conv ops match PyTorch', () => {
  for (const c of fixture.cases) {
    it(`${c.op} ${JSON.stringify(c.options)}`, async () => {
      const before = tf.memory().numTensors;
      const y = run(c);
      expect(y.shape).toEqual(c.y.shape);
      const error = maxError(await y.data(), c.y.data);
      y.dispose();
      expect(error).toBeLessThan(2e-5);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the fixture grid covers strides, dilations, groups, paddings and modes', () => {
    const conv = fixture.cases.filter((c) => c.op === 'conv2d').map((c) => c.options);
    for (const key of ['stride', 'dilation', 'groups']) {
      expect(new Set(conv.map((o) => JSON.stringify(o[key]))).size).toBeGreaterThan(1);
    }
    expect(new Set(conv.map((o) => o.padMode))).toEqual(
      new Set(['zeros', 'reflect', 'replicate', undefined]),
    );
  });
});

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    out[i] = (s / 2147483647) * 2 - 1;
  }
  return out;
}

const PARITY: { name: string; run: () => tf.Tensor }[] = [
  ...[
    { stride: 1, dilation: 1, groups: 1, padding: 1 },
    { stride: 2, dilation: 1, groups: 4, padding: [1, 0, 1, 0] },
    { stride: 1, dilation: 2, groups: 8, padding: 'same' },
    { stride: 2, dilation: 2, groups: 2, padding: 2, padMode: 'reflect' },
    { stride: 1, dilation: 3, groups: 16, padding: 3, padMode: 'replicate' },
  ].map((options) => ({
    name: `conv2d ${JSON.stringify(options)}`,
    run: () => {
      const g = options.groups;
      const x = tf.tensor(values(2 * 13 * 11 * 16, 1), [2, 13, 11, 16]);
      const w = tf.tensor(values(3 * 3 * (16 / g) * 16, 2), [3, 3, 16 / g, 16]);
      return ops.conv2d(x, w, options as ops.Conv2dOptions);
    },
  })),
  {
    name: 'conv2dTranspose k4 s2 p1',
    run: () => {
      const x = tf.tensor(values(2 * 6 * 5 * 8, 3), [2, 6, 5, 8]);
      const w = tf.tensor(values(4 * 4 * 6 * 8, 4), [4, 4, 6, 8]);
      return ops.conv2dTranspose(x, w, { stride: 2, padding: 1 });
    },
  },
  {
    name: 'depthwiseConv2d multiplier 2, stride 2',
    run: () => {
      const x = tf.tensor(values(2 * 9 * 9 * 8, 5), [2, 9, 9, 8]);
      const w = tf.tensor(values(3 * 3 * 8 * 2, 6), [3, 3, 8, 2]);
      return ops.depthwiseConv2d(x, w, { stride: 2, padding: 1 });
    },
  },
];

describe('conv ops agree across backends', () => {
  afterAll(async () => {
    if (tf.getBackend() === 'webgpu') await shutdown();
  });
  for (const c of PARITY) {
    it(c.name, async () => {
      const results: { backend: string; data: Float32Array }[] = [];
      for (const backend of testBackends()) {
        await init({ backend });
        const y = tf.tidy(c.run);
        results.push({ backend, data: (await y.data()) as Float32Array });
        y.dispose();
      }
      const [first, ...rest] = results;
      for (const other of rest) {
        expect(
          maxError(other.data, Array.from(first!.data)),
          `${other.backend} vs ${first!.backend}`,
        ).toBeLessThan(1e-5);
      }
    });
  }
});
