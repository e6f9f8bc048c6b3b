import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ArgumentError,
  convFromTorch,
  convToTorch,
  convTransposeFromTorch,
  convTransposeToTorch,
  depthwiseFromTorch,
  depthwiseToTorch,
  linearFromTorch,
  linearToTorch,
  readSafetensors,
  ShapeError,
  tf,
} from '../src/index.js';
import { describeBackends } from '../src/testing/index.js';

const FIXTURE = new URL('./fixtures/torch-layouts.safetensors', import.meta.url);

const toNhwc = (x: tf.Tensor) => tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
const toNchw = (x: tf.Tensor) => tf.transpose(x, [0, 3, 1, 2]);

/** Max |a - b|, after checking the shapes agree. */
async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const value = (await d.data())[0]!;
  d.dispose();
  return value;
}

describeBackends('PyTorch weight layouts', () => {
  let w: Record<string, tf.Tensor> = {};
  const get = (name: string) => w[name]!;
  beforeAll(() => {
    w = readSafetensors(new Uint8Array(readFileSync(FIXTURE))).tensors;
  });
  afterAll(() => {
    for (const t of Object.values(w)) t.dispose();
  });

  it('Conv2d: OIHW -> HWIO reproduces F.conv2d', async () => {
    const before = tf.memory().numTensors;
    expect(get('conv.weight').shape).toEqual([4, 3, 3, 3]);
    const y = tf.tidy(() => {
      const filter = convFromTorch(get('conv.weight'));
      expect(filter.shape).toEqual([3, 3, 3, 4]);
      return toNchw(tf.conv2d(toNhwc(get('conv.input')), filter, 1, 'same').add(get('conv.bias')));
    });
    expect(await maxDiff(y, get('conv.output'))).toBeLessThan(1e-4);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('grouped Conv2d: the same transpose, each group on its slices', async () => {
    const groups = 2;
    const y = tf.tidy(() => {
      const filter = convFromTorch(get('grouped.weight')); // [3, 3, I/g = 2, O = 6]
      expect(filter.shape).toEqual([3, 3, 2, 6]);
      const x = toNhwc(get('grouped.input'));
      const inPer = x.shape[3] / groups;
      const outPer = filter.shape[3] / groups;
      const parts = [];
      for (let k = 0; k < groups; k++) {
        const xk = tf.slice(x, [0, 0, 0, k * inPer], [-1, -1, -1, inPer]);
        const fk = tf.slice(filter, [0, 0, 0, k * outPer], [-1, -1, -1, outPer]);
        parts.push(tf.conv2d(xk, fk, 1, 'same'));
      }
      return toNchw(tf.concat(parts, 3).add(get('grouped.bias')));
    });
    expect(await maxDiff(y, get('grouped.output'))).toBeLessThan(1e-4);
    y.dispose();
  });

  it('depthwise Conv2d: (C*m, 1, kh, kw) -> [kh, kw, C, m] reproduces groups = C', async () => {
    const y = tf.tidy(() => {
      const filter = depthwiseFromTorch(get('depthwise.weight'), 3);
      expect(filter.shape).toEqual([3, 3, 3, 2]);
      const x = toNhwc(get('depthwise.input'));
      return toNchw(tf.depthwiseConv2d(x, filter, 1, 'same').add(get('depthwise.bias')));
    });
    expect(await maxDiff(y, get('depthwise.output'))).toBeLessThan(1e-4);
    y.dispose();
  });

  it('ConvTranspose2d k4 s2 p1: (I, O, kh, kw) -> [kh, kw, O, I] with "same"', async () => {
    const y = tf.tidy(() => {
      const filter = convTransposeFromTorch(get('convt.weight'));
      expect(filter.shape).toEqual([4, 4, 3, 4]);
      const x = toNhwc(get('convt.input'));
      const [n, h, wd] = x.shape;
      const out = tf.conv2dTranspose(x, filter, [n, 2 * h, 2 * wd, 3], 2, 'same');
      return toNchw(out.add(get('convt.bias')));
    });
    expect(await maxDiff(y, get('convt.output'))).toBeLessThan(1e-4);
    y.dispose();
  });

  it('Linear: (out, in) -> [in, out] reproduces F.linear', async () => {
    const y = tf.tidy(() => {
      const weight = linearFromTorch(get('linear.weight'));
      expect(weight.shape).toEqual([5, 3]);
      return tf.matMul(get('linear.input'), weight).add(get('linear.bias'));
    });
    expect(await maxDiff(y, get('linear.output'))).toBeLessThan(1e-4);
    y.dispose();
  });

  it('each ...ToTorch inverts its ...FromTorch exactly', async () => {
    const before = tf.memory().numTensors;
    const pairs: [string, (t: tf.Tensor) => tf.Tensor, (t: tf.Tensor) => tf.Tensor][] = [
      ['conv.weight', convFromTorch, convToTorch],
      ['grouped.weight', convFromTorch, convToTorch],
      ['convt.weight', convTransposeFromTorch, convTransposeToTorch],
      ['linear.weight', linearFromTorch, linearToTorch],
      ['depthwise.weight', (t) => depthwiseFromTorch(t, 3), depthwiseToTorch],
    ];
    for (const [name, from, to] of pairs) {
      const back = tf.tidy(() => to(from(get(name))));
      expect(await maxDiff(back, get(name)), name).toBe(0);
      back.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses wrong ranks and arguments', () => {
    const before = tf.memory().numTensors;
    expect(() => convFromTorch(get('linear.weight'))).toThrow(ShapeError);
    expect(() => convFromTorch(get('linear.weight'))).toThrow(
      /rank-4 \(O, I, kh, kw\) weight, got a tensor of shape \[3, 5\]/,
    );
    expect(() => linearFromTorch(get('conv.weight'))).toThrow(ShapeError);
    expect(() => convTransposeToTorch([1, 2] as never)).toThrow(ArgumentError);
    expect(() => depthwiseFromTorch(get('conv.weight'))).toThrow(/one input channel per group/);
    expect(() => depthwiseFromTorch(get('depthwise.weight'), 4)).toThrow(/dividing 6/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
