import { type Module, tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  createActivation,
  Dropout,
  EqualizedLr,
  GroupNorm,
  InstanceNorm2d,
  LayerNorm,
  Linear,
  MaxPool2d,
  PixelNorm,
  ReflectionPad2d,
  ReplicationPad2d,
  SpectralNorm,
  Upsample,
} from '../src/index.js';
import { checkParameterGrads, seeded } from './helpers.js';

/** Seeded values at least 0.05 away from 0, where relu-like kinks sit. */
function awayFromZero(shape: number[], seed: number): tf.Tensor {
  return tf.tidy(() => {
    const x = seeded(shape, seed);
    return tf.add(x, tf.mul(tf.sign(x), 0.05));
  });
}

interface Case {
  name: string;
  make: () => Module;
  shape: number[];
  train?: boolean;
  /** Also check second-order gradients (the layer can sit in a discriminator). */
  order2?: boolean;
}

const CASES: Case[] = [
  {
    name: 'Conv2d (reflect padding)',
    make: () =>
      new Conv2d({
        inChannels: 2,
        outChannels: 3,
        kernelSize: 3,
        padding: 1,
        paddingMode: 'reflect',
        seed: 1,
      }),
    shape: [1, 4, 4, 2],
    order2: true,
  },
  {
    name: 'Conv2d (replicate, stride 2)',
    make: () =>
      new Conv2d({
        inChannels: 2,
        outChannels: 2,
        kernelSize: 3,
        stride: 2,
        padding: 2,
        paddingMode: 'replicate',
        seed: 2,
      }),
    shape: [1, 5, 4, 2],
  },
  {
    name: 'Conv2d (grouped, dilated)',
    make: () =>
      new Conv2d({
        inChannels: 4,
        outChannels: 2,
        kernelSize: 3,
        dilation: 2,
        padding: 2,
        groups: 2,
        seed: 3,
      }),
    shape: [1, 5, 5, 4],
    order2: true,
  },
  {
    name: 'Conv2d (depthwise)',
    make: () =>
      new Conv2d({
        inChannels: 2,
        outChannels: 4,
        kernelSize: 3,
        padding: 1,
        groups: 2,
        bias: false,
        seed: 4,
      }),
    shape: [1, 3, 4, 2],
    order2: true,
  },
  {
    name: 'ConvTranspose2d (output padding)',
    make: () =>
      new ConvTranspose2d({
        inChannels: 2,
        outChannels: 3,
        kernelSize: 3,
        stride: 2,
        padding: 1,
        outputPadding: 1,
        seed: 5,
      }),
    shape: [1, 2, 3, 2],
    order2: true,
  },
  {
    name: 'ReflectionPad2d',
    make: () => new ReflectionPad2d([1, 2, 2, 0]),
    shape: [1, 3, 4, 2],
    order2: true,
  },
  {
    name: 'ReplicationPad2d',
    make: () => new ReplicationPad2d([2, 0, 1, 1]),
    shape: [1, 2, 3, 1],
    order2: true,
  },
  {
    name: 'EqualizedLr(Conv2d)',
    make: () =>
      new EqualizedLr(new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1 }), {
        seed: 6,
      }),
    shape: [1, 3, 3, 2],
    order2: true,
  },
  {
    name: 'SpectralNorm(ConvTranspose2d) (train)',
    make: () =>
      new SpectralNorm(
        new ConvTranspose2d({
          inChannels: 2,
          outChannels: 2,
          kernelSize: 4,
          stride: 2,
          padding: 1,
          seed: 7,
        }),
        {
          seed: 8,
          // No power iteration, so that every evaluation sees the same u and v.
          nPowerIterations: 0,
        },
      ),
    shape: [1, 2, 2, 2],
    train: true,
    order2: true,
  },
  {
    name: 'Linear',
    make: () => new Linear({ inFeatures: 4, outFeatures: 3, seed: 1 }),
    shape: [2, 3, 4],
    order2: true,
  },
  {
    name: 'BatchNorm2d (train)',
    make: () => new BatchNorm2d(3),
    shape: [2, 3, 2, 3],
    train: true,
    order2: true,
  },
  { name: 'BatchNorm2d (eval)', make: () => new BatchNorm2d(3), shape: [1, 2, 2, 3] },
  {
    name: 'InstanceNorm2d',
    make: () => new InstanceNorm2d(3, { affine: true }),
    shape: [2, 3, 3, 3],
    train: true,
    order2: true,
  },
  { name: 'LayerNorm', make: () => new LayerNorm([4]), shape: [2, 2, 2, 4], order2: true },
  { name: 'GroupNorm', make: () => new GroupNorm(2, 4), shape: [1, 3, 3, 4], order2: true },
  { name: 'PixelNorm', make: () => new PixelNorm(), shape: [1, 2, 2, 3], order2: true },
  ...(['relu', 'leakyRelu', 'elu', 'gelu', 'tanh', 'sigmoid', 'swish'] as const).map((name) => ({
    name,
    make: () =>
      createActivation(
        name,
        name === 'leakyRelu' ? { alpha: 0.2 } : name === 'elu' ? { alpha: 0.7 } : {},
      ),
    shape: [2, 3, 4],
    order2: true,
  })),
  {
    name: 'GELU tanh',
    make: () => createActivation('gelu', { approximate: 'tanh' }),
    shape: [2, 5],
    order2: true,
  },
  {
    name: 'Upsample nearest',
    make: () => new Upsample({ scaleFactor: 2 }),
    shape: [1, 2, 3, 2],
    order2: true,
  },
  {
    name: 'Upsample bilinear',
    make: () => new Upsample({ scaleFactor: 2, mode: 'bilinear' }),
    shape: [1, 3, 2, 2],
    order2: true,
  },
  {
    name: 'MaxPool2d',
    make: () => new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }),
    shape: [1, 4, 5, 2],
    order2: true,
  },
  {
    name: 'AvgPool2d',
    make: () => new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }),
    shape: [1, 4, 5, 2],
    order2: true,
  },
  {
    name: 'AvgPool2d (real pixels only)',
    make: () => new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }),
    shape: [1, 4, 5, 2],
  },
  { name: 'AdaptiveAvgPool2d', make: () => new AdaptiveAvgPool2d([2, 3]), shape: [1, 5, 7, 2] },
  {
    name: 'EqualizedLr(Linear)',
    make: () => new EqualizedLr(new Linear({ inFeatures: 4, outFeatures: 3 }), { seed: 2 }),
    shape: [2, 4],
    order2: true,
  },
  {
    name: 'SpectralNorm(Linear) (eval)',
    make: () =>
      new SpectralNorm(new Linear({ inFeatures: 4, outFeatures: 3, seed: 3 }), { seed: 4 }),
    shape: [2, 4],
    order2: true,
  },
];

describeBackends('layer gradients', (backend) => {
  // Software WebGPU is slow: it checks the layers that feed discriminators.
  const cases =
    backend === 'webgpu' ? CASES.filter((c) => c.order2 && !/^[a-z]/.test(c.name)) : CASES;
  for (const c of cases) {
    it(`${c.name}: input and parameter gradients match finite differences`, async () => {
      const module = c.make().train(c.train ?? false);
      const x = awayFromZero(c.shape, 11);
      const result = await checkGrad((t) => module.forward(t), [x], { maxPoints: 16 });
      expect(result.failures, JSON.stringify(result.failures.slice(0, 3))).toEqual([]);
      if (module.parameters().length > 0) {
        const params = await checkParameterGrads(module, x);
        expect(params.failures).toEqual([]);
        expect(params.checked).toBeGreaterThan(0);
      }
      x.dispose();
      module.dispose();
    });
    if (c.order2) {
      it(`${c.name}: second-order gradients match finite differences`, async () => {
        const module = c.make().train(c.train ?? false);
        const x = awayFromZero(c.shape, 12);
        // tanh after the layer: a linear layer's own second derivative is zero, but the
        // gradient of its gradient (what a penalty differentiates) must still flow.
        const f = (t: tf.Tensor) => tf.tanh(module.forward(t));
        const result = await checkGrad(f, [x], { order: 2, maxPoints: 12 });
        expect(result.failures, JSON.stringify(result.failures.slice(0, 3))).toEqual([]);
        x.dispose();
        module.dispose();
      });
    }
  }

  it('SpectralNorm: mixed second derivatives through the normalised weight (gradient penalty)', async () => {
    const layer = new SpectralNorm(new Linear({ inFeatures: 4, outFeatures: 3, seed: 5 }), {
      seed: 6,
    }).eval();
    const x = awayFromZero([2, 4], 13);
    const w = tf.clone(layer.weight_orig);
    // g(x, W) = sum(v * d/dx sum(p * tanh(layer(x; W)))): its gradient in W needs d/dW of
    // the input gradient, through W / sigma(W).
    const f = (t: tf.Tensor, weight: tf.Tensor) => tf.tanh(layer.forwardWithWeight(t, weight));
    const result = await checkGrad(f, [x, w], { order: 2, maxPoints: 12 });
    expect(result.failures, JSON.stringify(result.failures.slice(0, 3))).toEqual([]);
    tf.dispose([x, w]);
    layer.dispose();
  });

  it('Dropout: the gradient is the same mask, scaled', async () => {
    const x = seeded([3, 8], 14);
    const f = (t: tf.Tensor) => new Dropout({ p: 0.3, seed: 9 }).forward(t);
    const result = await checkGrad(f, [x], { maxPoints: 24 });
    expect(result.failures).toEqual([]);
    x.dispose();
  });
});
