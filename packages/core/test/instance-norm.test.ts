import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError, init, ops, ShapeError, shutdown, tf } from '../src/index.js';
import { checkGrad, describeBackends, testBackends } from '../src/testing/index.js';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/instance_norm.json', import.meta.url), 'utf8'),
) as {
  epsilon: number;
  shape: [number, number, number, number];
  x: number[];
  gamma: number[];
  beta: number[];
  projection: number[];
  plain: { y: number[]; dx: number[] };
  affine: { y: number[]; dx: number[]; dgamma: number[]; dbeta: number[] };
};

/** A seeded uniform stream, so inputs are the same on every backend. */
function values(size: number, seed: number, scale = 1, offset = 0): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5) * 2 * scale + offset;
  }
  return out;
}

/** The closed form, element by element from NHWC coordinates, in doubles. */
function closedForm(
  x: Float32Array,
  [n, h, w, c]: [number, number, number, number],
  gamma: ArrayLike<number> | null,
  beta: ArrayLike<number> | null,
  epsilon: number,
): Float64Array {
  const at = (b: number, i: number, j: number, k: number) => ((b * h + i) * w + j) * c + k;
  const y = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < c; k++) {
      const plane: number[] = [];
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) plane.push(x[at(b, i, j, k)]!);
      const mean = plane.reduce((s, v) => s + v, 0) / plane.length;
      const variance = plane.reduce((s, v) => s + (v - mean) ** 2, 0) / plane.length;
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const z = (x[at(b, i, j, k)]! - mean) / Math.sqrt(variance + epsilon);
          y[at(b, i, j, k)] = z * (gamma ? gamma[k]! : 1) + (beta ? beta[k]! : 0);
        }
      }
    }
  }
  return y;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let where = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    if (!(err <= worst)) {
      worst = err;
      where = i;
    }
  }
  expect(
    worst,
    `largest error at ${where}: ${actual[where]} vs ${expected[where]}`,
  ).toBeLessThanOrEqual(atol);
}

const SHAPES: [number, number, number, number][] = [
  [1, 4, 4, 1], // one channel: a tile of one
  [2, 3, 5, 3], // channels that do not fill a tile, a plane smaller than the lanes
  [1, 6, 7, 17], // channels over one tile, a plane over the lanes... on 16 lanes
  [2, 18, 17, 2], // a plane larger than the 128 lanes of a two-channel tile
];

describeBackends('ops.instanceNorm', (backend) => {
  for (const shape of SHAPES) {
    it(`matches the closed form on ${JSON.stringify(shape)}, with and without gamma and beta`, async () => {
      const size = shape.reduce((a, b) => a * b, 1);
      // A large offset: a one-pass sum of squares in float32 would lose the variance.
      const xs = values(size, 11 + shape[3], 2, 300);
      const g = values(shape[3], 5, 1.5);
      const b = values(shape[3], 6, 0.5);
      const before = tf.memory().numTensors;
      const x = tf.tensor4d(xs, shape);
      const gamma = tf.tensor1d(g);
      const beta = tf.tensor1d(b);
      const plain = ops.instanceNorm(x);
      const affine = ops.instanceNorm(x, { gamma, beta, epsilon: 1e-3 });
      expectClose(await plain.data(), closedForm(xs, shape, null, null, 1e-5), 2e-4);
      expectClose(await affine.data(), closedForm(xs, shape, g, b, 1e-3), 2e-4);
      tf.dispose([x, gamma, beta, plain, affine]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('matches PyTorch InstanceNorm2d (fixture), forward and gradients', async () => {
    const x = tf.tensor4d(fixture.x, fixture.shape);
    const gamma = tf.tensor1d(fixture.gamma);
    const beta = tf.tensor1d(fixture.beta);
    const projection = tf.tensor4d(fixture.projection, fixture.shape);
    const epsilon = fixture.epsilon;
    const plain = ops.instanceNorm(x, { epsilon });
    expectClose(await plain.data(), fixture.plain.y, 1e-4);
    const affine = ops.instanceNorm(x, { gamma, beta, epsilon });
    expectClose(await affine.data(), fixture.affine.y, 1e-4);
    const [dxPlain] = tf.grads((t: tf.Tensor) =>
      tf.sum(tf.mul(ops.instanceNorm(t, { epsilon }), projection)),
    )([x]);
    expectClose(await dxPlain!.data(), fixture.plain.dx, 1e-4);
    const [dx, dgamma, dbeta] = tf.grads((t: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(ops.instanceNorm(t, { gamma: g, beta: b, epsilon }), projection)),
    )([x, gamma, beta]);
    expectClose(await dx!.data(), fixture.affine.dx, 1e-4);
    expectClose(await dgamma!.data(), fixture.affine.dgamma, 1e-4);
    expectClose(await dbeta!.data(), fixture.affine.dbeta, 1e-4);
    tf.dispose([x, gamma, beta, projection, plain, affine, dxPlain!, dx!, dgamma!, dbeta!]);
  });

  for (const shape of [
    [2, 9, 7, 19],
    [1, 18, 17, 2],
  ] as [number, number, number, number][]) {
    it(`has the gradients of the tf-op composition on ${JSON.stringify(shape)}`, async () => {
      const size = shape.reduce((a, b) => a * b, 1);
      const c = shape[3];
      const x = tf.tensor4d(values(size, 31, 2, 5), shape);
      const gamma = tf.tensor1d(values(c, 32, 1.5));
      const beta = tf.tensor1d(values(c, 33));
      const dy = tf.tensor4d(values(size, 34), shape);
      const composed = (t: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(t, [1, 2], true);
        return tf.add(tf.mul(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
      };
      const fused = (t: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        ops.instanceNorm(t, { gamma: g, beta: b });
      const expected = tf.grads(composed)([x, gamma, beta], dy);
      const actual = tf.grads(fused)([x, gamma, beta], dy);
      for (let k = 0; k < 3; k++) {
        expectClose(await actual[k]!.data(), await expected[k]!.data(), 5e-4);
      }
      tf.dispose([x, gamma, beta, dy, ...expected, ...actual]);
    });
  }

  // Tiny, so that finite differences stay cheap on every backend.
  const gradShape: [number, number, number, number] = [2, 3, 2, 2];
  for (const order of [1, 2] as const) {
    it(`has correct order-${order} gradients for x, gamma and beta`, async () => {
      const x = tf.tensor4d(values(24, 21, 1, 0.5), gradShape);
      const gamma = tf.tensor1d([1.3, -0.6]);
      const beta = tf.tensor1d([0.1, -0.4]);
      const before = tf.memory().numTensors;
      const f = (t: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        ops.instanceNorm(t, { gamma: g, beta: b, epsilon: 1e-3 });
      // The gradient does not depend on beta: at order 2 it is a constant there.
      const r =
        order === 1
          ? await checkGrad(f, [x, gamma, beta], { order, maxPoints: 12 })
          : await checkGrad((t, g) => f(t, g!, beta), [x, gamma], { order, maxPoints: 12 });
      expect(r.ok, JSON.stringify(r.failures)).toBe(true);
      // Without gamma and beta, through the x path alone.
      const r2 = await checkGrad((t) => ops.instanceNorm(t), [x], { order, maxPoints: 12 });
      expect(r2.ok, JSON.stringify(r2.failures)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, gamma, beta]);
    });
  }

  it('the same checks catch a gradient that drops the variance term', async () => {
    const x = tf.tensor4d(values(24, 21, 1, 0.5), gradShape);
    // The forward of instance norm with dx = invStd * (dy - mean(dy)): what a
    // gradient that treats the variance as a constant would give.
    const wrong = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const t = args[0] as tf.Tensor;
      (args[1] as tf.GradSaveFunc)([t]);
      return {
        value: ops.instanceNorm(t),
        gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => {
          const mean = tf.mean(s!, [1, 2], true);
          const variance = tf.mean(tf.square(tf.sub(s!, mean)), [1, 2], true);
          const invStd = tf.div(1, tf.sqrt(tf.add(variance, 1e-5)));
          return tf.mul(invStd, tf.sub(dy, tf.mean(dy, [1, 2], true)));
        },
      };
    }) as (t: tf.Tensor) => tf.Tensor;
    const r = await checkGrad((t) => wrong(t), [x], { maxPoints: 12 });
    expect(r.ok).toBe(false);
    x.dispose();
  });

  it('runs as the one fused kernel, not a composition', async () => {
    const x = tf.tensor4d(values(2 * 3 * 3 * 4, 3), [2, 3, 3, 4]);
    const info = await tf.profile(() => {
      tf.tidy(() => ops.instanceNorm(x));
    });
    const names = info.kernels.map((k) => k.name);
    expect(names).toContain('AtelierInstanceNorm');
    for (const composed of ['Mean', 'Sum', 'Sub', 'SquaredDifference', 'Rsqrt', 'Mul']) {
      expect(names).not.toContain(composed);
    }
    if (backend === 'webgpu') {
      expect(tf.getKernel('AtelierInstanceNorm', 'webgpu')).toBeDefined();
    }
    // A plain backward pass is one kernel as well.
    const backward = await tf.profile(() => {
      tf.dispose(tf.grads((t: tf.Tensor) => ops.instanceNorm(t))([x]));
    });
    const backNames = backward.kernels.map((k) => k.name);
    expect(backNames).toContain('AtelierInstanceNormGrad');
    for (const composed of ['Mean', 'Sum', 'SquaredDifference', 'Sqrt', 'RealDiv']) {
      expect(backNames).not.toContain(composed);
    }
    x.dispose();
  });

  it('leaves no tensors behind, forward or backward', () => {
    const x = tf.tensor4d(values(2 * 2 * 2 * 3, 4), [2, 2, 2, 3]);
    const before = tf.memory().numTensors;
    tf.dispose(tf.tidy(() => ops.instanceNorm(x)));
    tf.dispose(tf.grad((t: tf.Tensor) => tf.sum(ops.instanceNorm(t)))(x));
    const gamma = tf.ones([3]);
    tf.dispose(
      tf.grads((t: tf.Tensor, g: tf.Tensor) => tf.sum(ops.instanceNorm(t, { gamma: g })))([
        x,
        gamma,
      ]),
    );
    gamma.dispose();
    ops.instanceNorm(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('rejects bad input with typed errors', () => {
    const x = tf.zeros([1, 2, 2, 3]);
    expect(() => ops.instanceNorm(tf.zeros([2, 2, 3]))).toThrow(ShapeError);
    expect(() => ops.instanceNorm(x, { gamma: tf.ones([4]) })).toThrow(
      /gamma must have shape \[3\]/,
    );
    expect(() => ops.instanceNorm(x, { beta: tf.ones([1, 3]) })).toThrow(ShapeError);
    expect(() => ops.instanceNorm(x, { epsilon: -1 })).toThrow(ArgumentError);
    expect(() => ops.instanceNorm(tf.zeros([1, 2, 2, 3], 'int32'))).toThrow(/float32/);
    expect(() => ops.instanceNorm([1, 2] as unknown as tf.Tensor)).toThrow(ArgumentError);
    tf.disposeVariables();
    x.dispose();
  });
});

describe('ops.instanceNorm backend parity', () => {
  afterAll(async () => {
    await shutdown();
  });
  it('agrees across the backends', async () => {
    const shape: [number, number, number, number] = [2, 9, 7, 19];
    const xs = values(2 * 9 * 7 * 19, 77, 3, -4);
    const g = values(19, 78);
    const b = values(19, 79);
    const results: Record<string, Float32Array> = {};
    for (const backend of testBackends()) {
      await init({ backend });
      const y = tf.tidy(() =>
        ops.instanceNorm(tf.tensor4d(xs, shape), { gamma: tf.tensor1d(g), beta: tf.tensor1d(b) }),
      );
      results[backend] = (await y.data()) as Float32Array;
      y.dispose();
    }
    const [first, ...rest] = Object.values(results);
    expect(rest.length).toBe(testBackends().length - 1);
    for (const other of rest) expectClose(other, first!, 1e-4);
  });
});
