import { expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { checkGrad, describeBackends } from '../src/testing/index.js';
import { spread } from './helpers/spread.js';

/**
 * tfjs's gradient kernels (EluGrad, AvgPoolGrad, MaxPoolGrad, the resize grads) had no
 * gradients of their own; the ones registered here are checked on the kernels themselves,
 * called directly, against finite differences.
 */

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object = {}) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

interface Case {
  name: string;
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  inputs: () => tf.Tensor[];
  webgpu?: boolean;
}

const image = () => spread([1, 4, 5, 2], 0.1, 2, 7);

const CASES: Case[] = [
  {
    name: 'EluGrad in dy and y',
    f: (dy, y) => run(tf.EluGrad, { dy: dy!, y: y! }),
    inputs: () => [spread([2, 3], -1, 1, 2), tf.tensor([-0.8, -0.3, 0.4, 1.2, -0.1, 0.6], [2, 3])],
    webgpu: true,
  },
  {
    name: 'AvgPoolGrad in dy (3x3 stride 2 same)',
    f: (dy) =>
      run(tf.AvgPoolGrad, { dy: dy!, input: image() }, { filterSize: 3, strides: 2, pad: 'same' }),
    inputs: () => [spread([1, 2, 3, 2], -1, 1)],
    webgpu: true,
  },
  {
    // Positive images: wasm's own MaxPoolGrad loses windows whose maximum is <= 0.
    name: 'MaxPoolGrad in dy (3x3 stride 2 same)',
    f: (dy) => {
      const x = image();
      const attrs = { filterSize: 3, strides: 2, pad: 'same' as const };
      return run(
        tf.MaxPoolGrad,
        { dy: dy!, input: x, output: tf.maxPool(x as tf.Tensor4D, 3, 2, 'same') },
        attrs,
      );
    },
    inputs: () => [spread([1, 2, 3, 2], -1, 1)],
    webgpu: true,
  },
  {
    name: 'ResizeNearestNeighborGrad in dy (4x5 from 7x9)',
    f: (dy) =>
      run(tf.ResizeNearestNeighborGrad, { dy: dy!, images: image() }, { alignCorners: false }),
    inputs: () => [spread([1, 7, 9, 2], -1, 1)],
  },
  {
    name: 'ResizeNearestNeighborGrad in dy (x2, align corners)',
    f: (dy) =>
      run(tf.ResizeNearestNeighborGrad, { dy: dy!, images: image() }, { alignCorners: true }),
    inputs: () => [spread([1, 8, 10, 2], -1, 1)],
    webgpu: true,
  },
  {
    name: 'ResizeBilinearGrad in dy (4x5 from 6x7)',
    f: (dy) => run(tf.ResizeBilinearGrad, { dy: dy!, images: image() }, { alignCorners: false }),
    inputs: () => [spread([1, 6, 7, 2], -1, 1)],
    webgpu: true,
  },
];

describeBackends('gradients of gradient kernels', (backend) => {
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
