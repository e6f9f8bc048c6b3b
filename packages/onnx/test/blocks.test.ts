import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BasicBlock,
  BatchNorm2d,
  Bottleneck,
  Cbam,
  Conv2d,
  ConvNormAct,
  ConvTranspose2d,
  createActivation,
  createAttention,
  DenseBlock,
  DenseLayer,
  DilatedStack,
  EqualizedLr,
  GroupNorm,
  InceptionBlock,
  LayerNorm,
  LeakyReLU,
  Linear,
  MaxPool2d,
  MultiHeadSelfAttention,
  NonLocalBlock,
  PixelNorm,
  ResNeXtBottleneck,
  SelfAttention,
  SeparableConv,
  SpectralNorm,
  SqueezeExcitation,
  Transition,
  UNet,
  Upsample,
} from '@atelier/blocks';
import { type Module, Sequential, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { onnxVersusTfjs } from './helpers.js';

// Every architecture element of @atelier/blocks exports and runs in onnxruntime as it
// runs in tfjs (eval mode: batch norm on running statistics, dropout off).
const CASES: [string, () => Module, number[]][] = [
  [
    'BasicBlock (stride 2, instance norm, leaky relu, SE)',
    () =>
      new BasicBlock(3, 4, {
        stride: 2,
        norm: 'instance',
        activation: () => createActivation('leakyRelu', { alpha: 0.2 }),
        attention: createAttention('se', { reduction: 2 }),
        seed: 1,
      }),
    [2, 7, 6, 3],
  ],
  [
    'Bottleneck (batch norm, CBAM)',
    () => new Bottleneck(4, 2, { attention: 'cbam', activation: 'elu', seed: 2 }),
    [1, 5, 5, 4],
  ],
  [
    'ResNeXtBottleneck (group norm)',
    () => new ResNeXtBottleneck(4, 2, { cardinality: 2, baseWidth: 32, norm: 'group', seed: 3 }),
    [1, 5, 5, 4],
  ],
  [
    'InceptionBlock (swish)',
    () =>
      new InceptionBlock({
        inChannels: 2,
        ch1x1: 1,
        ch3x3red: 1,
        ch3x3: 2,
        ch5x5red: 1,
        ch5x5: 1,
        poolProj: 1,
        activation: 'swish',
        seed: 4,
      }),
    [1, 6, 5, 2],
  ],
  [
    'DilatedStack (1, 2, 4)',
    () => new DilatedStack({ channels: 2, dilations: [1, 2, 4], activation: 'elu', seed: 5 }),
    [1, 11, 9, 2],
  ],
  [
    'DenseLayer (gelu)',
    () => new DenseLayer({ inChannels: 3, growthRate: 2, bnSize: 2, activation: 'gelu', seed: 6 }),
    [1, 4, 4, 3],
  ],
  [
    'DenseBlock',
    () =>
      new DenseBlock({
        numLayers: 2,
        inChannels: 2,
        growthRate: 2,
        bnSize: 1,
        norm: 'instance',
        seed: 7,
      }),
    [1, 4, 5, 2],
  ],
  [
    'Transition',
    () => new Transition({ inChannels: 4, outChannels: 2, activation: 'elu', seed: 8 }),
    [1, 6, 6, 4],
  ],
  ['SqueezeExcitation', () => new SqueezeExcitation(4, { reduction: 2, seed: 9 }), [2, 3, 3, 4]],
  ['Cbam', () => new Cbam(4, { reduction: 2, spatialNorm: 'none', seed: 10 }), [1, 5, 4, 4]],
  [
    'SelfAttention (SAGAN, gamma 0.7)',
    () => {
      const block = new SelfAttention(8, { seed: 11 });
      tf.tidy(() => block.gamma.assign(tf.tensor1d([0.7])));
      return block;
    },
    [1, 3, 4, 8],
  ],
  ['NonLocalBlock', () => new NonLocalBlock(4, { norm: 'batch', seed: 12 }), [1, 3, 3, 4]],
  [
    'MultiHeadSelfAttention',
    () => new MultiHeadSelfAttention(4, { numHeads: 2, seed: 13 }),
    [1, 3, 3, 4],
  ],
  [
    'SeparableConv',
    () =>
      new SeparableConv({
        inChannels: 2,
        outChannels: 3,
        depthMultiplier: 2,
        stride: 2,
        norm: 'none',
        seed: 15,
      }),
    [1, 5, 5, 2],
  ],
  [
    'UNet (depth 2, instance norm)',
    () =>
      new UNet({
        inChannels: 1,
        outChannels: 2,
        depth: 2,
        channels: [2, 2, 4],
        norm: 'instance',
        activation: 'elu',
        seed: 16,
      }),
    [1, 8, 8, 1],
  ],
  [
    'ConvNormAct + spectral norm + equalised lr',
    () =>
      new Sequential([
        new ConvNormAct({
          inChannels: 2,
          outChannels: 3,
          kernelSize: 4,
          stride: 2,
          padding: 1,
          norm: 'instance',
          activation: () => new LeakyReLU({ alpha: 0.2 }),
          bias: true,
          seed: 17,
        }),
        new SpectralNorm(
          new Conv2d({ inChannels: 3, outChannels: 3, kernelSize: 3, padding: 1, seed: 18 }),
          { seed: 19 },
        ),
        new EqualizedLr(new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1, seed: 20 })),
      ]),
    [1, 8, 6, 2],
  ],
  [
    'norms: batch (running statistics), group, layer, pixel',
    () =>
      new Sequential([
        new BatchNorm2d(3),
        new GroupNorm(1, 3),
        new LayerNorm([3]),
        new PixelNorm(),
      ]),
    [2, 4, 4, 3],
  ],
  [
    'sampling: transposed conv, upsample, pools',
    () =>
      new Sequential([
        new ConvTranspose2d({
          inChannels: 3,
          outChannels: 2,
          kernelSize: 4,
          stride: 2,
          padding: 1,
          seed: 21,
        }),
        new Upsample({ scaleFactor: 2, mode: 'bilinear' }),
        new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }),
        new AvgPool2d({ kernelSize: 2 }),
        new Upsample({ size: [6, 10], mode: 'nearest' }),
        new AdaptiveAvgPool2d(3),
      ]),
    [1, 5, 7, 3],
  ],
  [
    'Linear on [N, features]',
    () => new Linear({ inFeatures: 6, outFeatures: 3, seed: 22 }),
    [4, 6],
  ],
];

describeBackends('exported blocks match tfjs', () => {
  for (const [name, make, shape] of CASES) {
    it(name, async () => {
      const block = make().eval();
      const x = tf.randomNormal(shape, 0, 1, 'float32', 5);
      const before = tf.memory().numTensors;
      expect(await onnxVersusTfjs(block, x)).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      block.dispose();
    });
  }
});
