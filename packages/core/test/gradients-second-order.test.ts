import { expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { type CheckGradOptions, checkGrad, describeBackends } from '../src/testing/index.js';
import { spread, spreadValues } from './helpers/spread.js';

/**
 * Second-order gradients (the gradient of v . dL/dx, as gradient penalties need) of every
 * op whose tfjs gradient reuses its output or leans on an op without a gradient, checked
 * against finite differences on each backend.
 */

type Fn = (...xs: tf.Tensor[]) => tf.Tensor;

interface Case {
  name: string;
  f: Fn;
  /** Shapes and values of the inputs, created per test. */
  inputs: () => tf.Tensor[];
  options?: CheckGradOptions;
  /** Also run on webgpu (SwiftShader is slow: only the small cases). */
  webgpu?: boolean;
  /** Kernels the case needs that a backend may not have yet: the case waits for them there. */
  needs?: string[];
}

const mixed = () => [tf.tensor([-1.3, -0.6, -0.2, 0.3, 0.8, 1.5], [2, 3])];
const positive = () => [tf.tensor([0.3, 0.6, 0.9, 1.2, 1.7, 2.4], [2, 3])];

/** op(x) * x: the first derivative depends on x along two paths, so a lost path is wrong, not an error. */
function unary(name: string, op: (x: tf.Tensor) => tf.Tensor, inputs = mixed): Case[] {
  return [
    { name, f: (x) => op(x!), inputs, webgpu: true },
    { name: `${name} * x`, f: (x) => op(x!).mul(x!), inputs, webgpu: true },
  ];
}

/** A patch discriminator in miniature: conv stride 1 -> instance norm -> leakyRelu -> avgPool -> sum. */
function discriminator(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
  const pooled = tf.avgPool(tf.leakyRelu(instanceNorm(y), 0.2) as tf.Tensor4D, 2, 2, 'valid');
  return tf.sum(pooled.square());
}

function instanceNorm(x: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5)));
}

const CASES: Case[] = [
  ...unary('tanh', tf.tanh),
  ...unary('sigmoid', tf.sigmoid),
  ...unary('exp', tf.exp),
  ...unary('elu', tf.elu),
  ...unary('selu', tf.selu),
  ...unary('softplus', tf.softplus),
  ...unary('leakyRelu', (x) => tf.leakyRelu(x, 0.2)),
  ...unary('relu', tf.relu),
  ...unary('relu6', tf.relu6, () => [tf.tensor([-1.3, -0.2, 0.5, 2, 5.5, 6.8], [2, 3])]),
  ...unary('sqrt', tf.sqrt, positive),
  ...unary('rsqrt', tf.rsqrt, positive),
  ...unary('square', tf.square),
  ...unary('log', tf.log, positive),
  ...unary('abs', tf.abs),
  ...unary('clipByValue', (x) => tf.clipByValue(x, -0.5, 1.0)),
  ...unary('pow(x, 3)', (x) => tf.pow(x, 3)),
  ...unary('softmax', tf.softmax, () => [spread([2, 4], -1.5, 1.5)]),
  ...unary('logSoftmax', tf.logSoftmax, () => [spread([2, 4], -1.5, 1.5)]),
  {
    name: 'pow(a, b)',
    f: (a, b) => tf.pow(a!, b!),
    inputs: () => [...positive(), tf.tensor([0.5, 1.5, 2.2, -0.7, 1.1, 3.0], [2, 3])],
    webgpu: true,
  },
  {
    name: 'pow(a, b) in the exponent',
    f: (b, a) => tf.pow(a!, b!),
    inputs: () => [tf.tensor([0.5, 1.5, 2.2, -0.7, 1.1, 3.0], [2, 3]), ...positive()],
    webgpu: true,
  },
  {
    name: 'prelu',
    f: (x, alpha) => tf.prelu(x!, alpha!).mul(x!),
    inputs: () => [...mixed(), tf.tensor([0.1, 0.2, 0.3])],
    webgpu: true,
  },
  {
    name: 'maximum',
    f: (a, b) => tf.maximum(a!, b!).square(),
    inputs: () => [...mixed(), tf.tensor([0.2, -0.9, 0.4, -0.5, 1.6, 0.9], [2, 3])],
    webgpu: true,
  },
  {
    name: 'minimum',
    f: (a, b) => tf.minimum(a!, b!).square(),
    inputs: () => [...mixed(), tf.tensor([0.2, -0.9, 0.4, -0.5, 1.6, 0.9], [2, 3])],
    webgpu: true,
  },
  {
    name: 'max over an axis',
    f: (x) => tf.max(x!, 1).square(),
    inputs: () => [spread([2, 4], -1.5, 1.5)],
    webgpu: true,
  },
  {
    name: 'min over an axis',
    f: (x) => tf.min(x!, 1).square(),
    inputs: () => [spread([2, 4], -1.5, 1.5)],
    webgpu: true,
  },
  {
    name: 'maxPool 2x2 stride 2 valid',
    f: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid').square(),
    inputs: () => [spread([1, 4, 4, 2], -1.6, 1.6)],
    webgpu: true,
  },
  {
    name: 'maxPool 3x3 stride 1 same',
    f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 1, 'same').square(),
    inputs: () => [spread([1, 4, 4, 2], -1.6, 1.6, 2)],
  },
  {
    name: 'maxPool 3x3 stride 2 same',
    f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same').square(),
    inputs: () => [spread([1, 5, 5, 1], -1.6, 1.6, 3)],
    webgpu: true,
  },
  {
    name: 'avgPool 2x2 stride 2 valid',
    f: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid').square(),
    inputs: () => [spread([1, 4, 4, 2], -1.6, 1.6)],
    webgpu: true,
  },
  {
    name: 'avgPool 3x3 stride 1 same',
    f: (x) => tf.avgPool(x as tf.Tensor4D, 3, 1, 'same').square(),
    inputs: () => [spread([1, 4, 4, 2], -1.6, 1.6, 2)],
    webgpu: true,
  },
  {
    name: 'avgPool 3x3 stride 2 same',
    f: (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same').square(),
    inputs: () => [spread([1, 5, 5, 1], -1.6, 1.6, 3)],
  },
  {
    name: 'nearest upsampling x2',
    f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [4, 6]).square(),
    inputs: () => [spread([1, 2, 3, 2], -1.6, 1.6)],
    webgpu: true,
  },
  {
    name: 'nearest upsampling x2, half-pixel centers',
    f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [4, 6], false, true).square(),
    inputs: () => [spread([1, 2, 3, 2], -1.6, 1.6)],
  },
  {
    name: 'nearest resize 5x4 -> 3x7, half-pixel centers',
    f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [3, 7], false, true).square(),
    inputs: () => [spread([1, 5, 4, 1], -1.6, 1.6)],
  },
  {
    name: 'nearest resize 5x4 -> 3x7, align corners',
    f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [3, 7], true).square(),
    inputs: () => [spread([1, 5, 4, 1], -1.6, 1.6)],
  },
  {
    name: 'bilinear upsampling x2',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [4, 6]).square(),
    inputs: () => [spread([1, 2, 3, 2], -1.6, 1.6)],
    webgpu: true,
  },
  {
    name: 'bilinear upsampling x2, half-pixel centers (PyTorch align_corners=False)',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [4, 6], false, true).square(),
    inputs: () => [spread([1, 2, 3, 2], -1.6, 1.6)],
    webgpu: true,
  },
  {
    name: 'bilinear upsampling x3 by x2, half-pixel centers',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [6, 4], false, true).square(),
    inputs: () => [spread([1, 2, 2, 2], -1.6, 1.6)],
  },
  {
    name: 'bilinear resize 5x4 -> 3x3, half-pixel centers',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [3, 3], false, true).square(),
    inputs: () => [spread([1, 5, 4, 1], -1.6, 1.6)],
  },
  {
    name: 'bilinear resize 5x4 -> 3x7, align corners',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [3, 7], true).square(),
    inputs: () => [spread([1, 5, 4, 1], -1.6, 1.6)],
  },
  {
    name: 'tile rank 3',
    f: (x) => tf.tile(x!, [2, 1, 3]).square(),
    inputs: () => [spread([2, 2, 1], -1.6, 1.6)],
    webgpu: true,
  },
  {
    name: 'tile rank 5',
    f: (x) => tf.tile(x!, [1, 2, 1, 3, 2]).square(),
    inputs: () => [spread([2, 1, 2, 1, 2], -1.6, 1.6)],
    webgpu: true,
  },
  {
    name: 'instance norm from moments',
    f: (x) => instanceNorm(x!),
    inputs: () => [spread([2, 3, 3, 2], -1.6, 1.6)],
    webgpu: true,
  },
  {
    name: 'discriminator with fixed weights: conv -> instance norm -> leakyRelu -> avgPool',
    f: (x) => discriminator(x!, tf.tensor4d(spreadValues(54, -0.8, 0.8, 5), [3, 3, 2, 3])),
    inputs: () => [spread([1, 4, 4, 2], -1.6, 1.6)],
    webgpu: true,
    options: { maxPoints: 12 },
  },
  {
    name: 'discriminator: conv -> instance norm -> leakyRelu -> avgPool, in x and the weights',
    f: (x, w) => discriminator(x!, w!),
    inputs: () => [spread([1, 4, 4, 2], -1.6, 1.6), spread([3, 3, 2, 3], -0.8, 0.8, 5)],
    webgpu: true,
    options: { maxPoints: 8 },
    needs: [tf.Conv2DBackpropFilter],
  },
];

describeBackends('second-order gradients', (backend) => {
  for (const c of CASES) {
    if (backend === 'webgpu' && !c.webgpu) continue;
    const missing = (c.needs ?? []).filter((k) => !tf.getKernel(k, backend));
    // Until the backend has the kernel this case needs, say so instead of failing here.
    it.skipIf(missing.length > 0)(
      `${c.name}${missing.length ? ` (needs ${missing})` : ''}`,
      async () => {
        const before = tf.memory().numTensors;
        const inputs = c.inputs();
        const result = await checkGrad(c.f, inputs, { order: 2, ...c.options }).finally(() =>
          tf.dispose(inputs),
        );
        expect(result.ok, JSON.stringify(result.failures.slice(0, 4))).toBe(true);
        expect(tf.memory().numTensors).toBe(before);
      },
    );
  }
});
