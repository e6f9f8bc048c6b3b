import { ArgumentError, convToTorch, linearToTorch, Module, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  BatchNorm2d,
  calculateGain,
  initWeights,
  kaimingNormal,
  kaimingUniform,
  Linear,
  normalInit,
  orthogonal,
  SpectralNorm,
  torchDefaultWeight,
  torchFans,
  UnknownNameError,
  xavierNormal,
  xavierUniform,
} from '../src/index.js';

/** Mean and (population) std of a tensor's values, in doubles. */
async function moments(
  t: tf.Tensor,
): Promise<{ mean: number; std: number; min: number; max: number }> {
  const v = await t.data();
  let s = 0;
  for (const x of v) s += x;
  const mean = s / v.length;
  let q = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    q += (x - mean) ** 2;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  return { mean, std: Math.sqrt(q / v.length), min, max };
}

it("fans follow PyTorch's rule on PyTorch's layout of each kind", () => {
  // Conv2d(8 -> 16, k3): torch (16, 8, 3, 3): fan_in 72, fan_out 144.
  expect(torchFans([3, 3, 8, 16], 'conv')).toEqual({ fanIn: 72, fanOut: 144 });
  // ConvTranspose2d(8 -> 16, k4): torch (8, 16, 4, 4): fan_in = size(1)*16 = 256, fan_out = 128.
  expect(torchFans([4, 4, 16, 8], 'convTranspose')).toEqual({ fanIn: 256, fanOut: 128 });
  // Depthwise, 4 channels x multiplier 2, k3: torch (8, 1, 3, 3).
  expect(torchFans([3, 3, 4, 2], 'depthwise')).toEqual({ fanIn: 9, fanOut: 72 });
  expect(torchFans([5, 7], 'linear')).toEqual({ fanIn: 5, fanOut: 7 });
  expect(() => torchFans([3, 3, 8], 'conv')).toThrow(ShapeError);
});

it("gains are PyTorch's calculate_gain", () => {
  expect(calculateGain('linear')).toBe(1);
  expect(calculateGain('sigmoid')).toBe(1);
  expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
  expect(calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
  expect(calculateGain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
  expect(calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / 1.0001), 12);
  expect(calculateGain('selu')).toBe(0.75);
  expect(() => calculateGain('softsign' as never)).toThrow(ArgumentError);
});

describeBackends('initialisers', () => {
  it('draw with the standard deviations of their formulas', async () => {
    const shape = [3, 3, 64, 128]; // fan_in 576, fan_out 1152
    const cases: [string, tf.Tensor, number][] = [
      ['normal', normalInit(shape, { std: 0.02, seed: 1 }), 0.02],
      ['xavierNormal', xavierNormal(shape, 'conv', { gain: 2, seed: 2 }), 2 * Math.sqrt(2 / 1728)],
      [
        'xavierUniform',
        xavierUniform(shape, 'conv', { seed: 3 }),
        Math.sqrt(6 / 1728) / Math.sqrt(3),
      ],
      ['kaimingNormal', kaimingNormal(shape, 'conv', { seed: 4 }), Math.sqrt(2) / Math.sqrt(576)],
      [
        'kaimingUniform fanOut',
        kaimingUniform(shape, 'conv', { mode: 'fanOut', seed: 5 }),
        Math.sqrt(2 / 1152),
      ],
      // PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), std = bound / sqrt(3).
      ['torchDefault', torchDefaultWeight(shape, 'conv', 6), 1 / Math.sqrt(576) / Math.sqrt(3)],
    ];
    for (const [name, t, std] of cases) {
      const m = await moments(t);
      // 73,728 samples: the sample std is within about 0.5 % of the true one.
      expect(Math.abs(m.std / std - 1), name).toBeLessThan(0.02);
      expect(Math.abs(m.mean), name).toBeLessThan(0.02 * std);
      t.dispose();
    }
    const u = xavierUniform([100, 200], 'linear', { seed: 1 });
    const bound = Math.sqrt(6 / 300);
    const m = await moments(u);
    expect(m.max).toBeLessThan(bound);
    expect(m.min).toBeGreaterThanOrEqual(-bound);
    expect(m.max).toBeGreaterThan(0.99 * bound);
    u.dispose();
  });

  it('are seeded: the same seed gives the same values, another seed others', async () => {
    const a = kaimingNormal([3, 3, 4, 5], 'conv', { seed: 7 });
    const b = kaimingNormal([3, 3, 4, 5], 'conv', { seed: 7 });
    const c = kaimingNormal([3, 3, 4, 5], 'conv', { seed: 8 });
    expect(await a.data()).toEqual(await b.data());
    expect(await a.data()).not.toEqual(await c.data());
    tf.dispose([a, b, c]);
  });

  it('orthogonal weights have orthonormal rows or columns in PyTorch layout, times gain', async () => {
    const check = async (w: tf.Tensor, toTorch: (t: tf.Tensor) => tf.Tensor, gain: number) => {
      const flat = tf.tidy(() => {
        const t = toTorch(w);
        return tf.reshape(t, [t.shape[0]!, -1]);
      });
      const [rows, cols] = flat.shape as [number, number];
      // The smaller side is orthonormal: W W^T (wide) or W^T W (tall) = gain^2 I.
      const gram =
        rows <= cols ? tf.matMul(flat, flat, false, true) : tf.matMul(flat, flat, true, false);
      const n = Math.min(rows, cols);
      const expected = tf.mul(tf.eye(n), gain * gain);
      const diff = tf.max(tf.abs(tf.sub(gram, expected)));
      expect((await diff.data())[0]).toBeLessThan(1e-5);
      tf.dispose([flat, gram, expected, diff]);
    };
    const wide = orthogonal([3, 3, 8, 4], 'conv', { gain: 1.5, seed: 1 }); // torch (4, 72): rows orthonormal
    await check(wide, convToTorch, 1.5);
    const tall = orthogonal([3, 10], 'linear', { seed: 2 }); // torch (10, 3): columns orthonormal
    await check(tall, linearToTorch, 1);
    const square = orthogonal([6, 6], 'linear', { gain: 0.5, seed: 3 });
    await check(square, linearToTorch, 0.5);
    tf.dispose([wide, tall, square]);
  });

  it("initWeights re-initialises as junyanz's init_weights, seeded, every type", async () => {
    class Net extends Module {
      fc = new Linear({ inFeatures: 40, outFeatures: 50, seed: 1 });
      bn = new BatchNorm2d(500);
      sn = new SpectralNorm(new Linear({ inFeatures: 30, outFeatures: 20, seed: 2 }));
      forward(x: tf.Tensor): tf.Tensor {
        return x;
      }
    }
    for (const type of ['normal', 'xavier', 'kaiming', 'orthogonal'] as const) {
      const net = initWeights(new Net(), { type, gain: 0.02, seed: 3 });
      const fc = await moments(net.fc.weight);
      if (type === 'orthogonal') {
        // torch (50, 40) has orthonormal columns scaled by gain: the sum of squares is 40 gain^2.
        const ss = tf.tidy(() => tf.sum(tf.square(net.fc.weight)));
        expect((await ss.data())[0]).toBeCloseTo(40 * 0.02 * 0.02, 6);
        ss.dispose();
      } else {
        // N(0, gain); Xavier normal with gain (fans 40 + 50); Kaiming normal (fan in 40).
        const std = { normal: 0.02, xavier: 0.02 * Math.sqrt(2 / 90), kaiming: Math.sqrt(2 / 40) }[
          type
        ];
        expect(Math.abs(fc.std / std - 1), type).toBeLessThan(0.1);
      }
      expect((await moments(net.fc.bias!)).max).toBe(0);
      expect((await moments(net.sn.bias!)).max).toBe(0);
      const bn = await moments(net.bn.weight!);
      expect(Math.abs(bn.mean - 1)).toBeLessThan(0.005);
      expect(Math.abs(bn.std / 0.02 - 1)).toBeLessThan(0.15);
      expect((await moments(net.bn.bias!)).max).toBe(0);
      // The spectral norm's stored weight is initialised too (not left at PyTorch's default).
      const again = initWeights(new Net(), { type, gain: 0.02, seed: 3 });
      expect(await again.sn.weight_orig.data()).toEqual(await net.sn.weight_orig.data());
      net.dispose();
      again.dispose();
    }
    expect(() => initWeights(new Net(), { type: 'he' as never })).toThrow(UnknownNameError);
  });

  it('parameters keep their variables (assign), so optimizers holding them stay valid', () => {
    const layer = new Linear({ inFeatures: 3, outFeatures: 2 });
    const before = layer.weight;
    initWeights(layer, { seed: 1 });
    expect(layer.weight).toBe(before);
    expect(before.isDisposed).toBe(false);
    layer.dispose();
  });
});
