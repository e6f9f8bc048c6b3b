import { ArgumentError, type Module, ShapeError, StateDictError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Dropout,
  EqualizedLr,
  GroupNorm,
  InstanceNorm2d,
  LayerNorm,
  Linear,
  MaxPool2d,
  PixelNorm,
  SpectralNorm,
  Upsample,
} from '../src/index.js';
import { expectClose, seeded } from './helpers.js';

async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describeBackends('layer behaviour', () => {
  it('BatchNorm2d: training normalises by the batch, eval by the running statistics', async () => {
    const bn = new BatchNorm2d(2, { momentum: 0.5 });
    const x = tf.tidy(() => tf.add(tf.mul(seeded([3, 2, 2, 2], 1), 3), tf.tensor1d([5, -2])));
    const y = bn.call(x);
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    for (const m of await values(mean)) expect(Math.abs(m)).toBeLessThan(1e-5);
    for (const v of await values(variance)) expect(Math.abs(v - 1)).toBeLessThan(1e-3); // eps 1e-5
    // Running stats: halfway from (0, 1) to the batch's mean and unbiased variance (n = 12).
    const batch = tf.moments(x, [0, 1, 2]);
    const expectedMean = tf.mul(batch.mean, 0.5);
    const expectedVar = tf.add(0.5, tf.mul(batch.variance, (0.5 * 12) / 11));
    await expectClose(bn.running_mean!, expectedMean, 1e-5);
    await expectClose(bn.running_var!, expectedVar, 1e-5);
    expect(await values(bn.num_batches_tracked!)).toEqual([1]);
    // Eval: (x - running_mean) / sqrt(running_var + eps), buffers untouched.
    bn.eval();
    const z = bn.call(x);
    const expectedZ = tf.tidy(() =>
      tf.div(tf.sub(x, expectedMean), tf.sqrt(tf.add(expectedVar, 1e-5))),
    );
    await expectClose(z, expectedZ, 1e-4);
    expect(await values(bn.num_batches_tracked!)).toEqual([1]);
    tf.dispose([
      x,
      y,
      mean,
      variance,
      batch.mean,
      batch.variance,
      expectedMean,
      expectedVar,
      z,
      expectedZ,
    ]);
    bn.dispose();
  });

  it('BatchNorm2d: momentum null keeps the cumulative average of the batch statistics', async () => {
    const bn = new BatchNorm2d(1, { momentum: null });
    const means: number[] = [];
    for (let i = 0; i < 3; i++) {
      const x = tf.tidy(() => tf.add(seeded([2, 2, 2, 1], 10 + i), i * 2));
      means.push((await values(tf.tidy(() => tf.mean(x))))[0]!);
      tf.dispose(bn.call(x));
      x.dispose();
    }
    const [rm] = await values(bn.running_mean!);
    expect(rm).toBeCloseTo((means[0]! + means[1]! + means[2]!) / 3, 5);
    expect(await values(bn.num_batches_tracked!)).toEqual([3]);
    bn.dispose();
  });

  it('BatchNorm2d without running statistics: no buffers, batch statistics in eval too', async () => {
    const bn = new BatchNorm2d(2, { trackRunningStats: false, affine: false }).eval();
    expect(Object.keys(bn.stateDict())).toEqual([]);
    const x = seeded([2, 3, 3, 2], 3);
    const y = bn.call(x);
    const { mean } = tf.moments(y, [0, 1, 2]);
    for (const m of await values(mean)) expect(Math.abs(m)).toBeLessThan(1e-5);
    tf.dispose([x, y, mean]);
  });

  it('BatchNorm2d refuses to train on one value per channel', () => {
    const bn = new BatchNorm2d(2);
    const x = tf.zeros([1, 1, 1, 2]);
    expect(() => bn.call(x)).toThrow(ShapeError);
    bn.eval();
    tf.dispose(bn.call(x));
    tf.dispose(x);
    bn.dispose();
  });

  it('InstanceNorm2d drops the legacy running_* keys of PyTorch checkpoints', () => {
    const norm = new InstanceNorm2d(3, { affine: true });
    const legacy = {
      weight: tf.ones([3]),
      bias: tf.zeros([3]),
      running_mean: tf.zeros([3]),
      running_var: tf.ones([3]),
      num_batches_tracked: tf.scalar(0, 'int32'),
    };
    expect(norm.loadStateDict(legacy)).toEqual({ missing: [], unexpected: [], mismatched: [] });
    // With tracked statistics the keys are real: a dict without them is refused.
    const tracked = new InstanceNorm2d(3, { trackRunningStats: true });
    expect(() => tracked.loadStateDict({})).toThrow(StateDictError);
    expect(() => new InstanceNorm2d(3, { momentum: null as never })).toThrow(ArgumentError);
    tf.dispose(Object.values(legacy));
    norm.dispose();
    tracked.dispose();
  });

  it('Dropout: seeded masks, scaled survivors, identity in eval', async () => {
    const x = tf.ones([4, 250]);
    const a = new Dropout({ p: 0.3, seed: 5 });
    const b = new Dropout({ p: 0.3, seed: 5 });
    const ya = await values(a.call(x));
    const yb = await values(b.call(x));
    expect(ya).toEqual(yb);
    const zeros = ya.filter((v) => v === 0).length;
    expect(Math.abs(zeros / 1000 - 0.3)).toBeLessThan(0.05);
    for (const v of ya) if (v !== 0) expect(v).toBeCloseTo(1 / 0.7, 6);
    // The next call draws a new mask.
    expect(await values(a.call(x))).not.toEqual(ya);
    expect(await values(new Dropout({ p: 0.3, seed: 6 }).call(x))).not.toEqual(yb);
    a.eval();
    expect(a.call(x)).toBe(x);
    expect(await values(new Dropout({ p: 1 }).call(x))).toEqual(new Array(1000).fill(0));
    expect(() => new Dropout({ p: 1.5 })).toThrow(ArgumentError);
    x.dispose();
  });

  it('SpectralNorm: power iteration finds the largest singular value; keys as PyTorch', async () => {
    const layer = new Linear({ inFeatures: 3, outFeatures: 3 });
    // Singular values 3, 2 and 1 (a permuted diagonal), in PyTorch's (out, in) layout.
    tf.tidy(() =>
      layer.weight.assign(
        tf.transpose(
          tf.tensor2d([
            [0, 2, 0],
            [3, 0, 0],
            [0, 0, 1],
          ]),
        ),
      ),
    );
    const sn = new SpectralNorm(layer, { seed: 1 });
    expect(Object.keys(sn.stateDict())).toEqual(['bias', 'weight_orig', 'weight_u', 'weight_v']);
    expect(sn.weight_orig).toBe(layer.weight);
    const x = tf.eye(3);
    for (let i = 0; i < 30; i++) tf.dispose(sn.call(x));
    const sigma = sn.sigma();
    expect((await values(sigma))[0]).toBeCloseTo(3, 4);
    // The weight in use has spectral norm 1: its largest entry is now 3 / 3.
    const w = sn.computeWeight();
    expect(Math.max(...(await values(w)).map(Math.abs))).toBeCloseTo(1, 4);
    // Eval mode leaves u and v alone.
    sn.eval();
    const u = await values(sn.weight_u);
    tf.dispose(sn.call(x));
    expect(await values(sn.weight_u)).toEqual(u);
    tf.dispose([x, sigma, w]);
    sn.dispose();
    expect(() => new SpectralNorm(new PixelNorm() as never)).toThrow(ArgumentError);
  });

  it('EqualizedLr: N(0, 1) storage scaled by gain / sqrt(fan in) at run time', async () => {
    const layer = new EqualizedLr(new Linear({ inFeatures: 200, outFeatures: 100 }), { seed: 3 });
    expect(Object.keys(layer.stateDict())).toEqual(['bias', 'weight_orig']);
    const stored = await values(layer.weight_orig);
    const std = Math.sqrt(stored.reduce((s, v) => s + v * v, 0) / stored.length);
    expect(Math.abs(std - 1)).toBeLessThan(0.02);
    expect(Math.max(...(await values(layer.bias!)).map(Math.abs))).toBe(0);
    expect(layer.scale).toBeCloseTo(Math.SQRT2 / Math.sqrt(200), 12);
    const x = seeded([2, 200], 4);
    const y = layer.call(x);
    const expected = tf.tidy(() => tf.matMul(x, tf.mul(layer.weight_orig, layer.scale)));
    await expectClose(y, expected, 1e-5);
    tf.dispose([x, y, expected]);
    layer.dispose();
  });

  it('Upsample and pooling sizes', () => {
    const x = tf.zeros([1, 5, 7, 2]);
    const shapes = [
      new Upsample({ scaleFactor: 2 }).call(x),
      new Upsample({ size: [3, 4], mode: 'bilinear' }).call(x),
      new Upsample({ scaleFactor: [1.5, 2], mode: 'bilinear', alignCorners: true }).call(x),
      new MaxPool2d({ kernelSize: 2 }).call(x),
      new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }).call(x),
    ];
    expect(shapes.map((t) => t.shape)).toEqual([
      [1, 10, 14, 2],
      [1, 3, 4, 2],
      [1, 7, 14, 2],
      [1, 2, 3, 2],
      [1, 3, 4, 2],
    ]);
    tf.dispose([x, ...shapes]);
  });
});

it('wrong channel counts and bad options are typed errors that name the problem', () => {
  const x = tf.zeros([1, 4, 4, 3]);
  const cases: [() => unknown, typeof ShapeError | typeof ArgumentError, RegExp][] = [
    [
      () => new BatchNorm2d(4).call(x),
      ShapeError,
      /BatchNorm2d: expected 4 input channels.*\[1, 4, 4, 3\]/,
    ],
    [() => new InstanceNorm2d(2).call(x), ShapeError, /InstanceNorm2d: expected 2 input channels/],
    [() => new GroupNorm(2, 4).call(x), ShapeError, /GroupNorm: expected 4 input channels/],
    [() => new LayerNorm([4]).call(x), ShapeError, /LayerNorm: expected trailing axes \[4\]/],
    [
      () => new Linear({ inFeatures: 4, outFeatures: 2 }).call(x),
      ShapeError,
      /Linear: expected 4 features/,
    ],
    [() => new BatchNorm2d(3).call(tf.zeros([4, 3])), ShapeError, /rank-4 NHWC/],
    [() => new GroupNorm(3, 4), ArgumentError, /divisible by numGroups/],
    [() => new BatchNorm2d(0), ArgumentError, /numFeatures must be an integer >= 1, got 0/],
    [
      () => new BatchNorm2d(3, { momentum: 2 }),
      ArgumentError,
      /momentum must be a finite number in \[0, 1\]/,
    ],
    [
      () => new Upsample({ scaleFactor: 2, size: 3 }),
      ArgumentError,
      /exactly one of size and scaleFactor/,
    ],
    [() => new Upsample({ scaleFactor: 2, alignCorners: true }), ArgumentError, /'bilinear' only/],
    [() => new MaxPool2d({ kernelSize: 2, padding: 2 }), ArgumentError, /at most half the kernel/],
    [
      () => new MaxPool2d({ kernelSize: 5 }).call(tf.zeros([1, 3, 3, 1])),
      ArgumentError,
      /smaller than the kernel/,
    ],
  ];
  for (const [run, type, message] of cases) {
    expect(run).toThrow(type);
    expect(run).toThrow(message);
  }
  x.dispose();
});

describeBackends('no leaks', () => {
  it('a training step (forward, backward) of each layer leaves the tensor count unchanged', () => {
    const make: (() => Module)[] = [
      () => new Linear({ inFeatures: 3, outFeatures: 2 }),
      () =>
        new Conv2d({
          inChannels: 3,
          outChannels: 2,
          kernelSize: 3,
          padding: 1,
          paddingMode: 'reflect',
        }),
      () =>
        new ConvTranspose2d({
          inChannels: 3,
          outChannels: 2,
          kernelSize: 3,
          stride: 2,
          padding: 1,
          outputPadding: 1,
        }),
      () =>
        new SpectralNorm(
          new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, padding: 2, dilation: 2 }),
        ),
      () => new BatchNorm2d(3),
      () => new InstanceNorm2d(3, { affine: true, trackRunningStats: true }),
      () => new GroupNorm(3, 3),
      () => new LayerNorm(3),
      () => new SpectralNorm(new Linear({ inFeatures: 3, outFeatures: 2 })),
      () => new EqualizedLr(new Linear({ inFeatures: 3, outFeatures: 2 })),
      () => new Dropout({ p: 0.5 }),
    ];
    const x = seeded([2, 2, 2, 3], 1);
    for (const m of make) {
      const module = m();
      const step = () =>
        tf.tidy(() => {
          const params = module.trainableParameters();
          const loss = () => tf.sum(tf.square(module.forward(x))) as tf.Scalar;
          if (params.length === 0) return tf.grad((t: tf.Tensor) => tf.sum(module.forward(t)))(x);
          const { value, grads } = tf.variableGrads(loss, params);
          return [value, ...Object.values(grads)];
        });
      tf.dispose(step()); // the first step may create lasting state (none expected)
      const before = tf.memory().numTensors;
      tf.dispose(step());
      expect(tf.memory().numTensors, module.constructor.name).toBe(before);
      module.dispose();
    }
    x.dispose();
  });
});
