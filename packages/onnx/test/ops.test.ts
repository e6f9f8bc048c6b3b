import { ops, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Fn, onnxVersusTfjs } from './helpers.js';

type Op = (x: tf.Tensor) => tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;

// Each op of tfjs (and of @atelier/core) the exporter writes, on an odd-sized NHWC
// input, with constants of every rank; run by onnxruntime against tfjs's own result.
// A conv first puts the value in NCHW inside the graph, so ops are checked in both
// layouts the exporter keeps.
describeBackends('exported ops match tfjs', () => {
  let w: tf.Tensor4D;
  let dw: tf.Tensor4D;
  let wt: tf.Tensor4D;
  let v3: tf.Tensor1D;
  let v4: tf.Tensor1D;
  let x: tf.Tensor4D;
  const conv = (t: tf.Tensor): tf.Tensor4D => tf.conv2d(t as tf.Tensor4D, w, 1, 'same');

  beforeAll(() => {
    w = tf.randomNormal([3, 3, 3, 4], 0, 0.5, 'float32', 1);
    dw = tf.randomNormal([3, 3, 4, 2], 0, 0.5, 'float32', 2);
    wt = tf.randomNormal([3, 3, 5, 4], 0, 0.5, 'float32', 3);
    v3 = tf.tensor1d([0.5, -1, 2]);
    v4 = tf.tensor1d([1.5, 0.25, -0.5, 2]);
    x = tf.randomNormal([2, 7, 9, 3], 0, 1, 'float32', 4);
  });
  afterAll(() => tf.dispose([w, dw, wt, v3, v4, x]));

  const cases: [string, () => Op][] = [
    ['conv2d same, stride 2', () => (t) => tf.conv2d(t as tf.Tensor4D, w, 2, 'same')],
    [
      'conv2d valid, dilation 2',
      () => (t) => tf.conv2d(t as tf.Tensor4D, w, 1, 'valid', 'NHWC', 2),
    ],
    [
      'conv2d explicit pads',
      () => (t) =>
        tf.conv2d(
          t as tf.Tensor4D,
          w,
          [2, 1],
          [
            [0, 0],
            [2, 0],
            [1, 3],
            [0, 0],
          ],
        ),
    ],
    [
      'fused conv2d, bias and relu',
      () => (t) =>
        tf.fused.conv2d({
          x: t as tf.Tensor4D,
          filter: w,
          strides: 1,
          pad: 'same',
          bias: v4,
          activation: 'relu',
        }),
    ],
    [
      'fused conv2d, leaky relu',
      () => (t) =>
        tf.fused.conv2d({
          x: t as tf.Tensor4D,
          filter: w,
          strides: 1,
          pad: 'valid',
          activation: 'leakyrelu',
          leakyreluAlpha: 0.1,
        }),
    ],
    ['depthwise, multiplier 2', () => (t) => tf.depthwiseConv2d(conv(t), dw, 1, 'same')],
    [
      'conv2d transpose same, stride 2, odd size',
      () => (t) => tf.conv2dTranspose(conv(t), wt, [2, 13, 17, 5], 2, 'same'),
    ],
    [
      'conv2d transpose valid, stride 2',
      () => (t) => tf.conv2dTranspose(conv(t), wt, [2, 16, 20, 5], 2, 'valid'),
    ],
    [
      'core conv2d reflect padding',
      () => (t) => ops.conv2d(t as tf.Tensor4D, w, { padding: 1, padMode: 'reflect' }),
    ],
    [
      'core grouped conv2d',
      () => (t) =>
        ops.conv2d(conv(t), tf.reshape(dw, [3, 3, 2, 4]) as tf.Tensor4D, { padding: 1, groups: 2 }),
    ],
    [
      'core transposed conv, output padding',
      () => (t) =>
        ops.conv2dTranspose(conv(t), tf.transpose(wt, [0, 1, 2, 3]) as tf.Tensor4D, {
          stride: 2,
          padding: 1,
          outputPadding: 1,
        }),
    ],
    ['core instance norm, affine', () => (t) => ops.instanceNorm(conv(t), { gamma: v4, beta: v4 })],
    ['max pool same', () => (t) => tf.maxPool(conv(t), 3, 2, 'same')],
    ['avg pool same (padding not counted)', () => (t) => tf.avgPool(conv(t), 3, 2, 'same')],
    ['avg pool valid', () => (t) => tf.avgPool(t as tf.Tensor4D, 2, 2, 'valid')],
    ['nearest up, asymmetric', () => (t) => tf.image.resizeNearestNeighbor(conv(t), [14, 18])],
    [
      'nearest down, half pixel',
      () => (t) => tf.image.resizeNearestNeighbor(conv(t), [4, 5], false, true),
    ],
    [
      'nearest, align corners',
      () => (t) => tf.image.resizeNearestNeighbor(conv(t), [11, 13], true),
    ],
    ['bilinear up, asymmetric', () => (t) => tf.image.resizeBilinear(conv(t), [12, 20])],
    ['bilinear, half pixel', () => (t) => tf.image.resizeBilinear(conv(t), [10, 6], false, true)],
    ['bilinear, align corners', () => (t) => tf.image.resizeBilinear(conv(t), [13, 15], true)],
    [
      'mirror pad reflect',
      () => (t) =>
        tf.mirrorPad(
          conv(t),
          [
            [0, 0],
            [2, 1],
            [0, 3],
            [0, 0],
          ],
          'reflect',
        ),
    ],
    [
      'constant pad',
      () => (t) =>
        tf.pad(
          conv(t),
          [
            [0, 1],
            [1, 2],
            [3, 0],
            [1, 1],
          ],
          2.5,
        ),
    ],
    ['concat on channels, NCHW with NHWC', () => (t) => tf.concat([conv(t), t, conv(t)], 3)],
    ['concat on height', () => (t) => tf.concat([conv(t), conv(tf.reverse(t, 1))], -3)],
    ['slice with -1', () => (t) => tf.slice(conv(t), [1, 2, 0, 1], [-1, 3, -1, 2])],
    ['split (SplitV)', () => (t) => tf.split(conv(t), [1, 3], 3)],
    ['stack and unstack', () => (t) => tf.stack(tf.unstack(conv(t), 3).reverse(), 3)],
    ['tile', () => (t) => tf.tile(t, [1, 2, 1, 2])],
    ['mean over H, W, keepDims', () => (t) => tf.sub(conv(t), tf.mean(conv(t), [1, 2], true))],
    [
      'mean, sum, max, min without keepDims',
      () => (t) => [
        tf.mean(conv(t), [1, 2]),
        tf.sum(conv(t), 3),
        tf.max(t, [0, 3]),
        tf.min(conv(t)),
      ],
    ],
    [
      'broadcast: vector, 4-D and scalar constants',
      () => (t) =>
        tf.add(
          tf.mul(conv(t), v4),
          tf.sub(tf.div(conv(t), tf.scalar(3)), tf.reshape(v4, [1, 1, 1, 4])),
        ),
    ],
    [
      'pow, maximum, minimum, squared difference',
      () => (t) =>
        tf.add(
          tf.pow(tf.abs(conv(t)), tf.scalar(1.5)),
          tf.squaredDifference(tf.maximum(conv(t), 0.1), tf.minimum(conv(t), v4)),
        ),
    ],
    // Nine inputs: one ONNX Sum (and, on WebGPU, more storage buffers than one shader has).
    [
      'unary chain',
      () => (t) =>
        tf.addN([
          tf.sigmoid(t),
          tf.tanh(t),
          tf.exp(tf.neg(tf.abs(t))),
          tf.log1p(tf.abs(t)),
          tf.sqrt(tf.abs(t)),
          tf.rsqrt(tf.add(tf.abs(t), 1)),
          tf.square(t),
          tf.erf(t),
          tf.softplus(t),
        ]),
    ],
    [
      'activations',
      () => (t) => [
        tf.elu(conv(t)),
        tf.selu(t),
        tf.relu6(tf.mul(t, 4)),
        tf.leakyRelu(conv(t), 0.3),
        tf.clipByValue(t, -0.5, 0.7),
        tf.prelu(conv(t), v4 as unknown as tf.Tensor4D),
      ],
    ],
    [
      'comparison and cast',
      () => (t) => tf.mul(tf.cast(tf.greater(conv(t), 0), 'float32'), conv(t)),
    ],
    [
      'batch norm with vectors',
      () => (t) => tf.batchNorm(conv(t), v4, tf.abs(v4), v4, tf.neg(v4), 1e-3),
    ],
    [
      'batch norm of a non-image',
      () => (t) => tf.batchNorm(tf.reshape(t, [2, 7 * 9 * 3]), tf.scalar(0.5), tf.scalar(2)),
    ],
    [
      'softmax and batch matmul (attention)',
      () => (t) => {
        const q = tf.reshape(conv(t), [2, 63, 4]);
        const attention = tf.softmax(tf.matMul(q, q, false, true));
        return tf.matMul(attention, q);
      },
    ],
    [
      'a record of outputs, one of them constant-free',
      () => (t) => ({ a: conv(t), b: tf.transpose(t, [0, 3, 1, 2]) }),
    ],
    // Gradients trace too: tfjs runs the backward pass as kernels (a loss's gradient with
    // respect to the input, as Gatys's optimisation needs it).
    [
      'gradient through conv, relu, max pool (same)',
      () => (t) =>
        tf.grad((u: tf.Tensor) => tf.sum(tf.square(tf.maxPool(tf.relu(conv(u)), 3, 2, 'same'))))(t),
    ],
    [
      'gradient through avg pool (same), transposed conv, tanh',
      () => (t) =>
        tf.grad((u: tf.Tensor) =>
          tf.sum(
            tf.tanh(
              tf.conv2dTranspose(tf.avgPool(conv(u), 3, 2, 'same'), wt, [2, 7, 9, 5], 2, 'same'),
            ),
          ),
        )(t),
    ],
    [
      'gradient through instance norm, reflect pad, leaky relu, sigmoid',
      () => (t) =>
        tf.grad((u: tf.Tensor) =>
          tf.mean(
            tf.sigmoid(
              tf.leakyRelu(
                ops.instanceNorm(
                  tf.mirrorPad(
                    conv(u),
                    [
                      [0, 0],
                      [1, 1],
                      [2, 2],
                      [0, 0],
                    ],
                    'reflect',
                  ),
                ),
                0.2,
              ),
            ),
          ),
        )(t),
    ],
    [
      'gradient through instance norm into its gamma and beta',
      () => (t) =>
        tf.grad((u: tf.Tensor) =>
          tf.sum(
            tf.mul(
              ops.instanceNorm(u, { gamma: tf.mean(u, [0, 1, 2]), beta: tf.max(u, [0, 1, 2]) }),
              tf.reverse(u, 2),
            ),
          ),
        )(t),
    ],
    [
      'gradient through a Gram matrix',
      () => (t) =>
        tf.grad((u: tf.Tensor) => {
          const f = tf.reshape(conv(u), [2, 63, 4]);
          return tf.sum(tf.square(tf.sub(tf.matMul(f, f, true, false), 1)));
        })(t),
    ],
  ];

  for (const [name, make] of cases) {
    it(name, async () => {
      const before = tf.memory().numTensors;
      const error = await onnxVersusTfjs(new Fn(make()), x);
      expect(error).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
