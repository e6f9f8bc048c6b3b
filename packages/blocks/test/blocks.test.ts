import { ArgumentError, type Module, Sequential, ShapeError, tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  BasicBlock,
  Bottleneck,
  Cbam,
  Conv2d,
  ConvNormAct,
  conv1x1,
  createActivation,
  createAttention,
  createNorm,
  DenseBlock,
  DenseLayer,
  DilatedStack,
  InceptionBlock,
  LeakyReLU,
  MultiHeadSelfAttention,
  NonLocalBlock,
  ResNeXtBottleneck,
  receptiveField,
  SelfAttention,
  SeparableConv,
  SpectralNorm,
  SqueezeExcitation,
  Transition,
  UNet,
} from '../src/index.js';
import { checkParameterGrads, expectClose, seeded } from './helpers.js';

interface BlockCase {
  name: string;
  make: () => Module;
  shape: number[];
  outShape: number[];
  /** Blocks that sit in discriminators: second order too. */
  order2?: boolean;
}

const CASES: BlockCase[] = [
  {
    name: 'BasicBlock (stride 2, instance norm, leaky relu, SE)',
    make: () =>
      new BasicBlock(2, 4, {
        stride: 2,
        norm: 'instance',
        activation: () => createActivation('leakyRelu', { alpha: 0.2 }),
        attention: createAttention('se', { reduction: 2 }),
        seed: 1,
      }),
    shape: [1, 4, 4, 2],
    outShape: [1, 2, 2, 4],
  },
  {
    name: 'Bottleneck (batch norm, CBAM)',
    make: () => new Bottleneck(4, 2, { attention: 'cbam', activation: 'elu', seed: 2 }).eval(),
    shape: [1, 3, 3, 4],
    outShape: [1, 3, 3, 8],
  },
  {
    name: 'ResNeXtBottleneck (cardinality 2, baseWidth 32)',
    make: () =>
      new ResNeXtBottleneck(4, 2, { cardinality: 2, baseWidth: 32, norm: 'group', seed: 3 }),
    shape: [1, 3, 3, 4],
    outShape: [1, 3, 3, 8],
  },
  {
    name: 'InceptionBlock',
    make: () =>
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
      }).eval(),
    shape: [1, 5, 5, 2],
    outShape: [1, 5, 5, 5],
  },
  {
    name: 'DilatedStack (1, 2, 4)',
    make: () => new DilatedStack({ channels: 2, dilations: [1, 2, 4], activation: 'elu', seed: 5 }),
    shape: [1, 9, 9, 2],
    outShape: [1, 9, 9, 2],
  },
  {
    name: 'DenseLayer',
    make: () =>
      new DenseLayer({
        inChannels: 3,
        growthRate: 2,
        bnSize: 2,
        activation: 'gelu',
        seed: 6,
      }).eval(),
    shape: [1, 3, 3, 3],
    outShape: [1, 3, 3, 2],
  },
  {
    name: 'DenseBlock',
    make: () =>
      new DenseBlock({
        numLayers: 2,
        inChannels: 2,
        growthRate: 2,
        bnSize: 1,
        norm: 'instance',
        seed: 7,
      }),
    shape: [1, 3, 3, 2],
    outShape: [1, 3, 3, 6],
  },
  {
    name: 'Transition',
    make: () =>
      new Transition({ inChannels: 4, outChannels: 2, activation: 'elu', seed: 8 }).eval(),
    shape: [1, 4, 4, 4],
    outShape: [1, 2, 2, 2],
  },
  {
    name: 'SqueezeExcitation',
    make: () => new SqueezeExcitation(4, { reduction: 2, seed: 9 }),
    shape: [1, 3, 3, 4],
    outShape: [1, 3, 3, 4],
  },
  {
    name: 'Cbam',
    make: () => new Cbam(4, { reduction: 2, spatialNorm: 'none', seed: 10 }),
    shape: [1, 3, 3, 4],
    outShape: [1, 3, 3, 4],
  },
  {
    name: 'SelfAttention (SAGAN)',
    make: () => withGamma(new SelfAttention(8, { seed: 11 }), 0.7),
    shape: [1, 2, 3, 8],
    outShape: [1, 2, 3, 8],
    order2: true,
  },
  {
    name: 'NonLocalBlock',
    make: () => new NonLocalBlock(4, { norm: 'none', seed: 12 }),
    shape: [1, 2, 2, 4],
    outShape: [1, 2, 2, 4],
  },
  {
    name: 'MultiHeadSelfAttention',
    make: () => new MultiHeadSelfAttention(4, { numHeads: 2, seed: 13 }),
    shape: [1, 2, 3, 4],
    outShape: [1, 2, 3, 4],
  },
  {
    name: 'conv1x1',
    make: () => conv1x1(3, 2, { seed: 14 }),
    shape: [1, 2, 2, 3],
    outShape: [1, 2, 2, 2],
  },
  {
    name: 'SeparableConv (depth multiplier 2, stride 2)',
    make: () =>
      new SeparableConv({
        inChannels: 2,
        outChannels: 3,
        depthMultiplier: 2,
        stride: 2,
        norm: 'none',
        seed: 15,
      }),
    shape: [1, 4, 4, 2],
    outShape: [1, 2, 2, 3],
  },
  {
    name: 'UNet (depth 2, instance norm)',
    make: () =>
      new UNet({
        inChannels: 1,
        outChannels: 2,
        depth: 2,
        channels: [2, 2, 4],
        norm: 'instance',
        activation: 'elu',
        seed: 16,
      }),
    shape: [1, 4, 4, 1],
    outShape: [1, 4, 4, 2],
  },
  {
    name: 'discriminator unit: conv -> instance norm -> leaky relu',
    make: () =>
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
    shape: [1, 4, 4, 2],
    outShape: [1, 2, 2, 3],
    order2: true,
  },
  {
    name: 'discriminator unit: spectral-norm conv -> leaky relu',
    make: () =>
      new Sequential([
        new SpectralNorm(
          new Conv2d({
            inChannels: 2,
            outChannels: 3,
            kernelSize: 3,
            stride: 2,
            padding: 1,
            seed: 18,
          }),
          { seed: 19 },
        ),
        new LeakyReLU({ alpha: 0.2 }),
      ]).eval(),
    shape: [1, 4, 4, 2],
    outShape: [1, 2, 2, 3],
    order2: true,
  },
];

/** SAGAN starts at gamma 0 (the identity); a non-zero gamma makes its gradients testable. */
function withGamma(block: SelfAttention, gamma: number): SelfAttention {
  tf.tidy(() => block.gamma.assign(tf.tensor1d([gamma])));
  return block;
}

/** Input values kept 0.05 away from 0 (relu kinks). */
function input(shape: number[], seed: number): tf.Tensor {
  return tf.tidy(() => {
    const x = seeded(shape, seed);
    return tf.add(x, tf.mul(tf.sign(x), 0.05));
  });
}

// Relu kinks and max-pool ties make finite differences unreliable when a perturbation
// crosses them (a norm's bias moves a whole channel): the gradient checks use smooth
// activations, which exercise the same block wiring.
describeBackends('blocks', (backend) => {
  // Software WebGPU is slow: it checks the discriminator blocks, at fewer points.
  const cases = backend === 'webgpu' ? CASES.filter((c) => c.order2) : CASES;
  const points = backend === 'webgpu' ? 5 : 12;
  for (const c of cases) {
    it(`${c.name}: shape, input and parameter gradients`, async () => {
      const block = c.make();
      const x = input(c.shape, 21);
      const y = block.call(x) as tf.Tensor;
      expect(y.shape).toEqual(c.outShape);
      y.dispose();
      const result = await checkGrad((t) => block.forward(t), [x], { maxPoints: points });
      expect(result.failures, JSON.stringify(result.failures.slice(0, 3))).toEqual([]);
      const params = await checkParameterGrads(block, x, { points: backend === 'webgpu' ? 1 : 2 });
      expect(params.failures).toEqual([]);
      x.dispose();
      block.dispose();
    });
    if (c.order2) {
      it(`${c.name}: second-order gradients (gradient penalties)`, async () => {
        const block = c.make();
        const x = input(c.shape, 22);
        const result = await checkGrad((t) => tf.tanh(block.forward(t)), [x], {
          order: 2,
          maxPoints: points,
        });
        expect(result.failures, JSON.stringify(result.failures.slice(0, 3))).toEqual([]);
        x.dispose();
        block.dispose();
      });
    }
  }

  it('a training step of a block leaves the tensor count unchanged', () => {
    const block = new BasicBlock(2, 4, { stride: 2, attention: 'cbam', seed: 1 });
    const x = seeded([2, 4, 4, 2], 2);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.square(block.forward(x))) as tf.Scalar,
          block.trainableParameters(),
        );
        return [value, ...Object.values(grads)];
      });
    tf.dispose(step());
    const before = tf.memory().numTensors;
    tf.dispose(step());
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    block.dispose();
  });

  it("the dilated stack's receptive field, measured by back-propagating a one-hot output", async () => {
    // Positive weights and no activation: no cancellation can hide an input's influence.
    const stack = new DilatedStack({ channels: 1, dilations: [1, 2, 4], activation: 'none' });
    for (const p of stack.parameters()) tf.tidy(() => p.assign(tf.onesLike(p)));
    const size = 21;
    const centre = 10;
    const x = tf.zeros([1, size, size, 1]);
    const measured: number[] = [];
    for (let depth = 1; depth <= 3; depth++) {
      const grad = tf.grad((t: tf.Tensor) => {
        let y = t;
        for (const layer of stack.layers.slice(0, depth)) y = layer.forward(y);
        return tf.sum(tf.slice(y, [0, centre, centre, 0], [1, 1, 1, 1]));
      })(x);
      const g = await grad.data();
      const rows = new Set<number>();
      const cols = new Set<number>();
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) {
          if (g[i * size + j] !== 0) {
            rows.add(i);
            cols.add(j);
          }
        }
      }
      expect(rows.size).toBe(cols.size);
      expect(Math.max(...rows) - Math.min(...rows) + 1).toBe(rows.size); // contiguous
      measured.push(rows.size);
      grad.dispose();
    }
    expect(measured).toEqual([3, 7, 15]);
    expect([1, 2, 3].map((d) => stack.receptiveField(d))).toEqual([3, 7, 15]);
    x.dispose();
    stack.dispose();
  });
});

it('receptiveField: the general formula', () => {
  expect(
    receptiveField([
      { kernelSize: 3 },
      { kernelSize: 3, dilation: 2 },
      { kernelSize: 3, dilation: 4 },
    ]),
  ).toBe(15);
  // Strides multiply the step of every later layer: 1 + 2 + 2*2 + 2*4 + 2*8.
  expect(
    receptiveField([
      { kernelSize: 3, stride: 2 },
      { kernelSize: 3, stride: 2 },
      { kernelSize: 3, stride: 2 },
      { kernelSize: 3 },
    ]),
  ).toBe(31);
  // VGG's two 3x3 convs then a 2x2 pool then two 3x3: 1 + 2 + 2 + 1 + 2*2 + 2*2 = 14.
  expect(
    receptiveField([
      { kernelSize: 3 },
      { kernelSize: 3 },
      { kernelSize: 2, stride: 2 },
      { kernelSize: 3 },
      { kernelSize: 3 },
    ]),
  ).toBe(14);
  expect(receptiveField([])).toBe(1);
  expect(new DilatedStack({ channels: 1, dilations: [1, 2, 4, 8] }).receptiveField()).toBe(31);
  expect(() => receptiveField([{ kernelSize: 0 }])).toThrow(ArgumentError);
});

describeBackends(
  'block semantics',
  () => {
    it('SAGAN self-attention starts at gamma 0: the identity', async () => {
      const block = new SelfAttention(8, { seed: 1 });
      expect(Array.from(await block.gamma.data())).toEqual([0]);
      const x = seeded([1, 2, 2, 8], 3);
      const y = block.call(x);
      expect(Array.from(await y.data())).toEqual(Array.from(await x.data()));
      tf.dispose([x, y]);
      block.dispose();
    });

    it('the non-local block starts as the identity (W zeroed), with a norm or without', async () => {
      for (const norm of ['batch', 'none'] as const) {
        const block = new NonLocalBlock(4, { norm, seed: 2 }).eval();
        const x = seeded([1, 2, 2, 4], 4);
        const y = block.call(x);
        await expectClose(y, x, 1e-6);
        tf.dispose([x, y]);
        block.dispose();
      }
    });

    it('squeeze-excitation gates each channel by sigmoid(fc2(relu(fc1(mean))))', async () => {
      const block = new SqueezeExcitation(3, { rdChannels: 2, seed: 3 });
      // fc2 weights zero: the gate is sigmoid(fc2.bias), whatever the input.
      tf.tidy(() => {
        block.fc2.weight.assign(tf.zerosLike(block.fc2.weight));
        block.fc2.bias!.assign(tf.tensor1d([0, 2, -1]));
      });
      const x = seeded([2, 2, 2, 3], 5);
      const y = block.call(x);
      const expected = tf.tidy(() => tf.mul(x, tf.sigmoid(tf.tensor1d([0, 2, -1]))));
      await expectClose(y, expected, 1e-6);
      tf.dispose([x, y, expected]);
      block.dispose();
    });

    it('UNet: any depth, custom blocks and up/down layers, skips concatenated', () => {
      let calls = 0;
      const unet = new UNet({
        inChannels: 3,
        outChannels: 1,
        depth: 3,
        channels: 2,
        down: 'stride',
        up: 'bilinear',
        block: (inC, outC, _level, seed) => {
          calls++;
          return new ConvNormAct({
            inChannels: inC,
            outChannels: outC,
            norm: createNorm('group', { groups: 1 }),
            seed,
          });
        },
        seed: 4,
      });
      expect(calls).toBe(4 + 3);
      expect(unet.channels).toEqual([2, 4, 8, 16]);
      // Decoder level 0 takes the skip (2) and the upsampled (2) channels.
      expect((unet.decoders[0] as ConvNormAct).conv.inChannels).toBe(4);
      const x = tf.zeros([1, 8, 16, 3]);
      const y = unet.call(x);
      expect(y.shape).toEqual([1, 8, 16, 1]);
      expect(() => unet.call(tf.zeros([1, 12, 16, 3]))).toThrow(ShapeError);
      expect(() => unet.call(tf.zeros([1, 12, 16, 3]))).toThrow(/multiples of 2\^depth = 8.*12x16/);
      expect(() => unet.call(tf.zeros([1, 8, 8, 2]))).toThrow(/expected 3 input channels/);
      tf.dispose([x, y]);
      unet.dispose();
      expect(() => new UNet({ inChannels: 1, outChannels: 1, depth: 2, channels: [2, 4] })).toThrow(
        /depth \+ 1 = 3/,
      );
    });

    it('state dict keys follow torchvision/timm naming', () => {
      const keys = (m: Module) => Object.keys(m.stateDict());
      const basic = new BasicBlock(2, 4, { stride: 2 });
      expect(keys(basic).filter((k) => k.endsWith('weight'))).toEqual([
        'conv1.weight',
        'bn1.weight',
        'conv2.weight',
        'bn2.weight',
        'downsample.0.weight',
        'downsample.1.weight',
      ]);
      const dense = new DenseBlock({ numLayers: 2, inChannels: 2, growthRate: 2 });
      expect(keys(dense).filter((k) => k.endsWith('conv2.weight'))).toEqual([
        'denselayer1.conv2.weight',
        'denselayer2.conv2.weight',
      ]);
      const sep = new SeparableConv({ inChannels: 2, outChannels: 3 });
      expect(sep.conv_dw.weight.shape).toEqual([3, 3, 1, 2]);
      expect(keys(new MultiHeadSelfAttention(4))).toEqual([
        'in_proj_weight',
        'in_proj_bias',
        'out_proj.weight',
        'out_proj.bias',
      ]);
      for (const m of [basic, dense, sep]) m.dispose();
    });

    it('blocks refuse wrong channel counts with a ShapeError naming the expected count', () => {
      const x = tf.zeros([1, 4, 4, 3]);
      const blocks: [Module, RegExp][] = [
        [new BasicBlock(4, 4), /BasicBlock: expected 4 input channels/],
        [new Bottleneck(8, 2), /Bottleneck: expected 8 input channels/],
        [new ResNeXtBottleneck(64, 16), /ResNeXtBottleneck: expected 64 input channels/],
        [new DenseBlock({ numLayers: 1, inChannels: 4, growthRate: 2 }), /DenseBlock: expected 4/],
        [new SelfAttention(8), /SelfAttention: expected 8/],
        [new DilatedStack({ channels: 2 }), /DilatedStack: expected 2/],
        [
          new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3 }),
          /Conv2d: expected 2 input channels/,
        ],
      ];
      for (const [block, message] of blocks) {
        expect(() => block.call(x)).toThrow(ShapeError);
        expect(() => block.call(x)).toThrow(message);
        block.dispose();
      }
      expect(() => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 })).toThrow(
        /divisible by groups/,
      );
      expect(() => new MultiHeadSelfAttention(6, { numHeads: 4 })).toThrow(/divisible by numHeads/);
      expect(() => new DilatedStack({ channels: 2, kernelSize: 4 })).toThrow(/odd/);
      x.dispose();
    });
  },
  { only: ['cpu', 'wasm'] },
);
