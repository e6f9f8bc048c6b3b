import { expect, it } from 'vitest';
import type { BackendName } from '../src/index.js';
import { ops, tf } from '../src/index.js';
import { type CheckGradOptions, checkGrad, describeBackends } from '../src/testing/index.js';

/**
 * First- and second-order gradients of ops.conv2d, conv2dTranspose, depthwiseConv2d and
 * pad2d against central finite differences, over strides x dilations x groups x
 * paddings, on every backend (WebGPU on SwiftShader: a smaller grid of tiny tensors).
 *
 * Convolution is linear in x and in w, so the tested function squares its output: then
 * the second-order check (the gradient of v . dL/dfirst-input) involves every backprop
 * kernel and its own gradient. Each second-order case runs twice, x first and w first:
 * d/dw (v . dL/dx) goes through the gradient of Conv2DBackpropInput, d/dx (v . dL/dw)
 * through that of Conv2DBackpropFilter (which tfjs lacks).
 */

function values(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    out[i] = ((s / 2147483647) * 2 - 1) * 0.7;
  }
  return tf.tensor(out, shape);
}

interface ConvCase {
  stride: number;
  dilation: number;
  groups: number;
  padding: ops.Padding;
  padMode?: ops.PadMode;
}

const PADDINGS: Pick<ConvCase, 'padding' | 'padMode'>[] = [
  { padding: 0 },
  { padding: 1 },
  { padding: [2, 0, 1, 1] },
  { padding: 'same' },
  { padding: 1, padMode: 'reflect' },
  { padding: [1, 0, 0, 1], padMode: 'replicate' },
];

/** Stride x dilation x groups, each with one padding kind in turn, or with every one. */
function grid(allPaddings: boolean): ConvCase[] {
  const out: ConvCase[] = [];
  let k = 0;
  for (const stride of [1, 2]) {
    for (const dilation of [1, 2]) {
      for (const groups of [1, 2, 4]) {
        const paddings = allPaddings ? PADDINGS : [PADDINGS[k++ % PADDINGS.length]!];
        for (const padding of paddings) out.push({ stride, dilation, groups, ...padding });
      }
    }
  }
  return out;
}

const OPTIONS: CheckGradOptions = { maxPoints: 12 };

async function expectGrad(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  options: CheckGradOptions,
): Promise<void> {
  const before = tf.memory().numTensors;
  const r = await checkGrad(f, inputs, options);
  expect(r.ok, JSON.stringify(r.failures.slice(0, 4))).toBe(true);
  expect(tf.memory().numTensors).toBe(before);
}

function convSuite(backend: BackendName): void {
  const tiny = backend === 'webgpu';
  const size = tiny ? [1, 5, 5, 4] : [2, 6, 5, 4];
  const points: CheckGradOptions = tiny ? { maxPoints: 5 } : OPTIONS;
  const inputsFor = (c: ConvCase) => () => [
    values(size, 3),
    values([3, 3, 4 / c.groups, 4], 5),
    values([4], 7),
  ];
  // First order over the whole grid (every padding kind); WebGPU takes one kind per cell.
  for (const c of grid(!tiny)) {
    it(`conv2d order 1 ${JSON.stringify(c)}`, async () => {
      const xs = inputsFor(c)();
      await expectGrad((x, w, b) => ops.conv2d(x!, w!, { ...c, bias: b! }), xs, points);
      tf.dispose(xs);
    });
  }
  for (const c of grid(false)) {
    const name = JSON.stringify(c);
    const options = (bias: tf.Tensor) => ({ ...c, bias });
    const inputs = inputsFor(c);
    it(`conv2d order 2, x first ${name}`, async () => {
      const xs = inputs();
      const f = (x?: tf.Tensor, w?: tf.Tensor, b?: tf.Tensor) =>
        tf.square(ops.conv2d(x!, w!, options(b!)));
      await expectGrad(f, xs, { ...points, order: 2 });
      tf.dispose(xs);
    });
    it(`conv2d order 2, w first ${name}`, async () => {
      const [x, w, b] = inputs();
      const f = (wt?: tf.Tensor, xt?: tf.Tensor) => tf.square(ops.conv2d(xt!, wt!, options(b!)));
      await expectGrad(f, [w!, x!], { ...points, order: 2 });
      tf.dispose([x!, w!, b!]);
    });
  }

  if (!tiny) {
    it('conv2d order 2, wide groups (a loop of dense convolutions on every backend)', async () => {
      const x = values([1, 4, 4, 32], 11);
      const w = values([3, 3, 16, 4], 13);
      const f = (a?: tf.Tensor, b?: tf.Tensor) =>
        tf.square(ops.conv2d(a!, b!, { groups: 2, padding: 1, stride: 2 }));
      await expectGrad(f, [x, w], { ...points, order: 2 });
      await expectGrad((b, a) => f(a, b), [w, x], { ...points, order: 2 });
      tf.dispose([x, w]);
    });
    it('conv2d order 2, coprime stride 2 and dilation 3, and stride on one axis only', async () => {
      const x = values([1, 9, 8, 2], 17);
      const w = values([3, 2, 2, 3], 19);
      for (const options of [
        { stride: 2, dilation: 3, padding: 1 },
        { stride: [2, 1] as [number, number], dilation: [1, 2] as [number, number] },
      ]) {
        const f = (a?: tf.Tensor, b?: tf.Tensor) => tf.square(ops.conv2d(a!, b!, options));
        await expectGrad(f, [x, w], { ...points, order: 2 });
      }
      tf.dispose([x, w]);
    });
  }

  const transposeCases = [
    { k: 4, stride: 2, padding: 1, outputPadding: 0, dilation: 1, groups: 1 },
    { k: 3, stride: 2, padding: 1, outputPadding: 1, dilation: 1, groups: 1 },
    { k: 3, stride: 2, padding: 1, outputPadding: 0, dilation: 2, groups: 2 },
  ];
  for (const { k, ...options } of transposeCases) {
    const inputs = () => [
      values(tiny ? [1, 3, 3, 4] : [2, 4, 3, 4], 23),
      values([k, k, 6 / options.groups, 4], 29),
      values([6], 31),
    ];
    const name = JSON.stringify({ k, ...options });
    it(`conv2dTranspose order 1 ${name}`, async () => {
      const xs = inputs();
      await expectGrad(
        (x, w, b) => ops.conv2dTranspose(x!, w!, { ...options, bias: b! }),
        xs,
        points,
      );
      tf.dispose(xs);
    });
    it(`conv2dTranspose order 2 (x first, then w first) ${name}`, async () => {
      const [x, w, b] = inputs();
      const f = (a?: tf.Tensor, c?: tf.Tensor) =>
        tf.square(ops.conv2dTranspose(a!, c!, { ...options, bias: b! }));
      await expectGrad(f, [x!, w!], { ...points, order: 2 });
      await expectGrad((c, a) => f(a, c), [w!, x!], { ...points, order: 2 });
      tf.dispose([x!, w!, b!]);
    });
  }

  for (const options of [
    { stride: 1, dilation: 1, padding: 1, multiplier: 1 },
    { stride: 2, dilation: 1, padding: 'same' as const, multiplier: 2 },
    { stride: 1, dilation: 2, padding: 2, multiplier: 2 },
  ]) {
    const { multiplier, ...rest } = options;
    it(`depthwiseConv2d order 1 and 2 ${JSON.stringify(options)}`, async () => {
      const x = values(size, 37);
      const w = values([3, 3, 4, multiplier], 41);
      const f = (a?: tf.Tensor, c?: tf.Tensor) => tf.square(ops.depthwiseConv2d(a!, c!, rest));
      await expectGrad(f, [x, w], points);
      await expectGrad(f, [x, w], { ...points, order: 2 });
      await expectGrad((c, a) => f(a, c), [w, x], { ...points, order: 2 });
      tf.dispose([x, w]);
    });
  }

  it('plain tf.conv2d and tf.depthwiseConv2d with dilation 2 train (tfjs refuses)', async () => {
    const x = values(size, 43);
    const w = values([3, 3, 4, 2], 47);
    const conv = (a?: tf.Tensor, c?: tf.Tensor) =>
      tf.square(tf.conv2d(a as tf.Tensor4D, c as tf.Tensor4D, 1, 'same', 'NHWC', 2));
    const depthwise = (a?: tf.Tensor, c?: tf.Tensor) =>
      tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 1, 'valid', 'NHWC', 2));
    for (const f of [conv, depthwise]) {
      await expectGrad(f, [x, w], points);
      await expectGrad(f, [x, w], { ...points, order: 2 });
      await expectGrad((c, a) => f(a, c), [w, x], { ...points, order: 2 });
    }
    tf.dispose([x, w]);
  });

  for (const padMode of ['reflect', 'replicate'] as const) {
    it(`pad2d ${padMode} order 1 and 2 (tfjs's MirrorPad gradient drops the mirrored pixels)`, async () => {
      const x = values([1, 4, 5, 2], 53);
      const f = (a?: tf.Tensor) => tf.square(ops.pad2d(a!, [2, 1, 3, 1], padMode));
      await expectGrad(f, [x], { maxPoints: 40 });
      await expectGrad(f, [x], { maxPoints: 40, order: 2 });
      x.dispose();
    });
  }
}

describeBackends('conv gradients', convSuite);

describeBackends(
  'the gradient check can fail',
  () => {
    it("rejects tfjs 4.22's MirrorPad gradient (the centre of dy, nothing for mirrored pixels)", async () => {
      const paddings: [number, number][] = [
        [0, 0],
        [2, 1],
        [3, 1],
        [0, 0],
      ];
      const sliceOnly = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
        save([x]);
        return {
          value: tf.mirrorPad(x as tf.Tensor4D, paddings, 'reflect'),
          gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
            tf.slice(dy, [0, 2, 3, 0], saved!.shape),
        };
      }) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
      const x = values([1, 4, 5, 2], 53);
      const r = await checkGrad((a) => tf.square(sliceOnly(a!)), [x], { maxPoints: 40 });
      expect(r.ok).toBe(false);
      x.dispose();
    });
  },
  { only: ['cpu'] },
);
