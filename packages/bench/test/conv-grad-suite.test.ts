import { describe, expect, it } from 'vitest';
import {
  CONV_GRAD_CANDIDATES,
  convGradInputs,
  runConvGradCandidate,
} from '../src/suites/conv-grad.js';

/**
 * Every candidate of the conv-grad suite computes what it claims: the forward, input
 * gradient or weight gradient of the suite's 3×3, stride-1, padding-1 convolution,
 * checked at 300 seeded places against the sums written out here in doubles.
 */
const { x, dy, w } = convGradInputs();
const [, C, H, W] = x.dims as [number, number, number, number];
const O = dy.dims[1]!;
const K = 3;
const at = (v: Float32Array, c: number, i: number, j: number) =>
  i < 0 || j < 0 || i >= H || j >= W ? 0 : v[(c * H + i) * W + j]!;

/** The expected value at flat index `index` of each output (NCHW or OIHW). */
const expectedAt: Record<string, (index: number) => number> = {
  forward: (index) => {
    const [o, i, j] = [Math.floor(index / (H * W)), Math.floor(index / W) % H, index % W];
    let s = 0;
    for (let c = 0; c < C; c++)
      for (let a = 0; a < K; a++)
        for (let b = 0; b < K; b++)
          s += at(x.data, c, i + a - 1, j + b - 1) * w.data[((o * C + c) * K + a) * K + b]!;
    return s;
  },
  'input-grad': (index) => {
    const [c, i, j] = [Math.floor(index / (H * W)), Math.floor(index / W) % H, index % W];
    let s = 0;
    for (let o = 0; o < O; o++)
      for (let a = 0; a < K; a++)
        for (let b = 0; b < K; b++)
          s += at(dy.data, o, i - a + 1, j - b + 1) * w.data[((o * C + c) * K + a) * K + b]!;
    return s;
  },
  'weight-grad': (index) => {
    const [o, c, a, b] = [
      Math.floor(index / (C * K * K)),
      Math.floor(index / (K * K)) % C,
      Math.floor(index / K) % K,
      index % K,
    ];
    let s = 0;
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        s += dy.data[(o * H + i) * W + j]! * at(x.data, c, i + a - 1, j + b - 1);
    return s;
  },
};

describe('conv-grad suite candidates', () => {
  for (const { name, of } of CONV_GRAD_CANDIDATES) {
    it(`${name} computes the ${of}`, async () => {
      const got = await runConvGradCandidate(name);
      const size = of === 'weight-grad' ? O * C * K * K : (of === 'forward' ? O : C) * H * W;
      expect(got.length).toBe(size);
      let seed = 7;
      for (let n = 0; n < 300; n++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        // Edges and corners included: the first and last rows hold the padding's taps.
        const index = n < 4 ? [0, W - 1, size - W, size - 1][n]! : seed % size;
        const want = expectedAt[of]!(index);
        expect(Math.abs(got[index]! - want), `${name} at ${index}`).toBeLessThan(
          1e-4 * Math.max(1, Math.abs(want)) + (of === 'weight-grad' ? 1e-2 : 1e-4),
        );
      }
    });
  }
});
