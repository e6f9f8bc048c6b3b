import { expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { checkGrad, describeBackends } from '../src/testing/index.js';
import { spread } from './helpers/spread.js';

/**
 * First-order gradients that tfjs 4.22 gets wrong or refuses (average pooling at padded
 * borders, resizes with half-pixel centers or non-square images, tile above rank 4), and
 * the first-order fast paths of the gradients this package re-registers.
 */

interface Case {
  name: string;
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  inputs: () => tf.Tensor[];
  webgpu?: boolean;
}

const CASES: Case[] = [
  {
    name: 'avgPool 3x3 stride 1 same (tfjs divided border windows by 9)',
    f: (x) => tf.avgPool(x as tf.Tensor4D, 3, 1, 'same'),
    inputs: () => [spread([1, 4, 4, 2], -1, 1)],
    webgpu: true,
  },
  {
    name: 'avgPool 3x3 stride 2 same',
    f: (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'),
    inputs: () => [spread([1, 5, 5, 1], -1, 1)],
  },
  {
    name: 'avgPool 2x2 stride 2 same on an odd size (padding on one side)',
    f: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'same'),
    inputs: () => [spread([2, 5, 3, 2], -1, 1)],
  },
  {
    name: 'avgPool 3x3 stride 2 pad 1',
    f: (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 1),
    inputs: () => [spread([1, 5, 5, 1], -1, 1)],
  },
  {
    name: 'bilinear x2, non-square (the cpu kernel swaps H and W)',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [4, 6]),
    inputs: () => [spread([1, 2, 3, 2], -1, 1)],
    webgpu: true,
  },
  {
    name: 'bilinear x2, half-pixel centers (ignored by the backends gradients)',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [6, 6], false, true),
    inputs: () => [spread([1, 3, 3, 1], -1, 1)],
    webgpu: true,
  },
  {
    name: 'bilinear x2 by x3, half-pixel centers, batch 2',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [4, 9], false, true),
    inputs: () => [spread([2, 2, 3, 2], -1, 1)],
    webgpu: true,
  },
  {
    name: 'bilinear x3 from a single row, half-pixel centers',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [3, 4], false, true),
    inputs: () => [spread([1, 1, 2, 2], -1, 1)],
  },
  {
    name: 'bilinear x4 by x1, half-pixel centers',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [12, 2], false, true),
    inputs: () => [spread([1, 3, 2, 1], -1, 1)],
  },
  {
    name: 'bilinear 5x4 -> 3x3, half-pixel centers',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [3, 3], false, true),
    inputs: () => [spread([1, 5, 4, 2], -1, 1)],
  },
  {
    name: 'bilinear 5x4 -> 3x7, align corners',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [3, 7], true),
    inputs: () => [spread([1, 5, 4, 1], -1, 1)],
  },
  {
    name: 'nearest 5x4 -> 3x7, half-pixel centers',
    f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [3, 7], false, true),
    inputs: () => [spread([1, 5, 4, 1], -1, 1)],
  },
  {
    name: 'nearest x2, batch 2 (the cpu kernel mixed the images up)',
    f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [4, 6]),
    inputs: () => [spread([2, 2, 3, 1], -1, 1)],
    webgpu: true,
  },
  {
    name: 'tile rank 5',
    f: (x) => tf.tile(x!, [2, 1, 3, 1, 2]),
    inputs: () => [spread([1, 2, 1, 2, 2], -1, 1)],
    webgpu: true,
  },
  {
    name: 'tile rank 6',
    f: (x) => tf.tile(x!, [1, 2, 1, 1, 2, 2]),
    inputs: () => [spread([2, 1, 2, 1, 1, 2], -1, 1)],
  },
  { name: 'tanh', f: (x) => tf.tanh(x!), inputs: () => [spread([2, 3], -2, 2)], webgpu: true },
  {
    name: 'sigmoid',
    f: (x) => tf.sigmoid(x!),
    inputs: () => [spread([2, 3], -2, 2)],
    webgpu: true,
  },
  { name: 'exp', f: (x) => tf.exp(x!), inputs: () => [spread([2, 3], -2, 2)], webgpu: true },
  { name: 'elu', f: (x) => tf.elu(x!), inputs: () => [spread([2, 3], -2, 2)], webgpu: true },
  {
    name: 'softmax',
    f: (x) => tf.softmax(x!),
    inputs: () => [spread([2, 4], -2, 2)],
    webgpu: true,
  },
  {
    name: 'logSoftmax',
    f: (x) => tf.logSoftmax(x!),
    inputs: () => [spread([2, 4], -2, 2)],
    webgpu: true,
  },
  {
    name: 'pow(a, b) with broadcasting',
    f: (a, b) => tf.pow(a!, b!),
    inputs: () => [spread([2, 3], 0.3, 2.5), tf.tensor([0.5, 2.2, -0.7])],
    webgpu: true,
  },
  {
    name: 'maxPool 3x3 stride 2 same, negative maxima (wasm lost their gradient)',
    f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'),
    inputs: () => [spread([1, 5, 5, 2], -1, 1)],
    webgpu: true,
  },
  {
    name: 'maxPool 3x3 stride 1 same, overlapping windows, batch 2',
    f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 1, 'same'),
    inputs: () => [spread([2, 4, 4, 2], -1, 1, 3)],
    webgpu: true,
  },
  {
    name: 'relu -> maxPool 2x2 stride 2 with windows of zeros (ties)',
    f: (x) => tf.maxPool(tf.relu(x!) as tf.Tensor4D, 2, 2, 'valid'),
    inputs: () => [
      tf.tensor4d(
        [0.7, 0.2, -0.5, -0.3, -0.4, 0.9, -0.8, -0.6, -0.7, -0.2, 0.3, -0.9, -0.1, -0.5, 0.6, 0.4],
        [1, 4, 4, 1],
      ),
    ],
    webgpu: true,
  },
  {
    name: 'maxPool 2x2 stride 2 valid',
    f: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'),
    inputs: () => [spread([1, 4, 6, 3], -1, 1, 4)],
  },
  {
    name: 'bilinear 3x2 -> 5x5, batch 2',
    f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [5, 5]),
    inputs: () => [spread([2, 3, 2, 2], -1, 1)],
  },
];

describeBackends('first-order gradients', (backend) => {
  for (const c of CASES) {
    if (backend === 'webgpu' && !c.webgpu) continue;
    it(c.name, async () => {
      const before = tf.memory().numTensors;
      const inputs = c.inputs();
      const result = await checkGrad(c.f, inputs).finally(() => tf.dispose(inputs));
      expect(result.ok, JSON.stringify(result.failures.slice(0, 4))).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
