import { ArgumentError, type Module, Rng, rng, Sequential, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  BasicBlock,
  Bottleneck,
  Cbam,
  Conv2d,
  type Conv2dOptions,
  ConvNormAct,
  DenseBlock,
  DenseLayer,
  DilatedStack,
  InceptionBlock,
  MaxPool2d,
  MultiHeadSelfAttention,
  NonLocalBlock,
  receptiveField,
  SelfAttention,
  SeparableConv,
  SqueezeExcitation,
  Transition,
  UNet,
  Upsample,
} from '../src/index.js';

// What the blocks promise beyond their forward values: a refused argument names the block
// and the argument; a seed builds each sub-layer from the fork named by its key (the
// README's rule), so weights saved under one version load the same draws in the next.

type ErrorType = typeof ShapeError | typeof ArgumentError;

/** The call throws `type` with a message that starts with `where: ` and holds each fragment. */
function rejects(call: () => unknown, type: ErrorType, where: string, ...fragments: string[]) {
  let caught: unknown;
  try {
    call();
  } catch (e) {
    caught = e;
  }
  expect(caught, `${where}: expected an error`).toBeInstanceOf(type);
  const message = (caught as Error).message;
  expect(message.startsWith(`${where}: `), message).toBe(true);
  for (const f of fragments) expect(message, message).toContain(f);
}

/** The conv's weight equals a Conv2d with the same options drawn from `seed`. */
async function drawnFrom(conv: Conv2d, options: Omit<Conv2dOptions, 'seed'>, seed: Rng) {
  const twin = new Conv2d({ ...options, seed });
  const [a, b] = await Promise.all([conv.weight.data(), twin.weight.data()]);
  expect(Array.from(a)).toEqual(Array.from(b));
  twin.dispose();
}

describeBackends(
  'block arguments and seeds',
  () => {
    it('refused arguments name the block and the argument', () => {
      const pos = 'must be an integer >= 1, got';
      const cases: [() => unknown, ErrorType, string, ...string[]][] = [
        [
          () => new Bottleneck(8, 4, 'x' as never),
          ArgumentError,
          'Bottleneck',
          'options must be an object, got',
        ],
        [
          () => new Bottleneck(8, 4, null as never),
          ArgumentError,
          'Bottleneck',
          'options must be an object',
        ],
        [() => new Bottleneck(0, 4), ArgumentError, 'Bottleneck', `inChannels ${pos} 0`],
        [() => new Bottleneck(8, 0), ArgumentError, 'Bottleneck', `planes ${pos} 0`],
        [() => new Bottleneck(8, 4, { stride: 0 }), ArgumentError, 'Bottleneck', `stride ${pos}`],
        [
          () => new Bottleneck(8, 4, { cardinality: 0 }),
          ArgumentError,
          'Bottleneck',
          `cardinality ${pos}`,
        ],
        [
          () => new Bottleneck(8, 4, { baseWidth: 0 }),
          ArgumentError,
          'Bottleneck',
          `baseWidth ${pos}`,
        ],
        [
          () => new Bottleneck(8, 4, { expansion: 0 }),
          ArgumentError,
          'Bottleneck',
          `expansion ${pos}`,
        ],
        [
          () => new Bottleneck(8, 1, { baseWidth: 16 }),
          ArgumentError,
          'Bottleneck',
          'planes * baseWidth / 64 rounds to 0 channels per group',
        ],
        [
          () => new BasicBlock(4, 4, 'x' as never),
          ArgumentError,
          'BasicBlock',
          'options must be an object',
        ],
        [() => new BasicBlock(0, 4), ArgumentError, 'BasicBlock', `inChannels ${pos}`],
        [() => new BasicBlock(4, 0), ArgumentError, 'BasicBlock', `outChannels ${pos}`],
        [() => new BasicBlock(4, 4, { stride: 0 }), ArgumentError, 'BasicBlock', `stride ${pos}`],
        [() => new Cbam(0), ArgumentError, 'Cbam', `channels ${pos}`],
        [() => new Cbam(8, { reduction: 0 }), ArgumentError, 'ChannelGate', `reduction ${pos}`],
        [() => new Cbam(8, { rdChannels: 0 }), ArgumentError, 'ChannelGate', `rdChannels ${pos}`],
        [() => new SqueezeExcitation(0), ArgumentError, 'SqueezeExcitation', `channels ${pos}`],
        [
          () => new SqueezeExcitation(8, { reduction: 0 }),
          ArgumentError,
          'SqueezeExcitation',
          `reduction ${pos}`,
        ],
        [
          () => new ConvNormAct('x' as never),
          ArgumentError,
          'ConvNormAct',
          'expected options { inChannels, outChannels, ... }, got',
        ],
        [() => new ConvNormAct(null as never), ArgumentError, 'ConvNormAct', 'expected options'],
        [
          () => new DenseLayer('x' as never),
          ArgumentError,
          'DenseLayer',
          'expected options { inChannels, growthRate, ... }',
        ],
        [
          () => new DenseLayer({ inChannels: 0, growthRate: 2 }),
          ArgumentError,
          'DenseLayer',
          `inChannels ${pos}`,
        ],
        [
          () => new DenseLayer({ inChannels: 2, growthRate: 0 }),
          ArgumentError,
          'DenseLayer',
          `growthRate ${pos}`,
        ],
        [
          () => new DenseLayer({ inChannels: 2, growthRate: 2, bnSize: 0 }),
          ArgumentError,
          'DenseLayer',
          `bnSize ${pos}`,
        ],
        [
          () => new DenseLayer({ inChannels: 2, growthRate: 2, dropRate: 2 }),
          ArgumentError,
          'DenseLayer',
          'dropRate',
        ],
        [
          () => new DenseBlock('x' as never),
          ArgumentError,
          'DenseBlock',
          'expected options { numLayers, inChannels, growthRate, ... }',
        ],
        [
          () => new DenseBlock({ numLayers: 0, inChannels: 2, growthRate: 2 }),
          ArgumentError,
          'DenseBlock',
          `numLayers ${pos}`,
        ],
        [
          () => new DenseBlock({ numLayers: 1, inChannels: 0, growthRate: 2 }),
          ArgumentError,
          'DenseBlock',
          `inChannels ${pos}`,
        ],
        [
          () => new DenseBlock({ numLayers: 1, inChannels: 2, growthRate: 0 }),
          ArgumentError,
          'DenseBlock',
          `growthRate ${pos}`,
        ],
        [
          () => new Transition('x' as never),
          ArgumentError,
          'Transition',
          'expected options { inChannels, outChannels }',
        ],
        [
          () => new Transition({ inChannels: 0, outChannels: 2 }),
          ArgumentError,
          'Transition',
          `inChannels ${pos}`,
        ],
        [
          () => new DilatedStack('x' as never),
          ArgumentError,
          'DilatedStack',
          'expected options { channels, dilations, ... }',
        ],
        [() => new DilatedStack({ channels: 0 }), ArgumentError, 'DilatedStack', `channels ${pos}`],
        [
          () => new DilatedStack({ channels: 2, kernelSize: 0 }),
          ArgumentError,
          'DilatedStack',
          `kernelSize ${pos}`,
        ],
        [
          () => new DilatedStack({ channels: 2, dilations: [] }),
          ArgumentError,
          'DilatedStack',
          'dilations must be a non-empty list of positive integers, got',
        ],
        [
          () => new DilatedStack({ channels: 2, dilations: 2 as never }),
          ArgumentError,
          'DilatedStack',
          'dilations must be a non-empty list',
        ],
        [
          () => new DilatedStack({ channels: 2, dilations: [1, 0] }),
          ArgumentError,
          'DilatedStack',
          `dilations[1] ${pos}`,
        ],
        [
          () => receptiveField('x' as never),
          ArgumentError,
          'receptiveField',
          'expected a list of { kernelSize, dilation, stride }',
        ],
        [
          () => receptiveField([undefined as never]),
          ArgumentError,
          'receptiveField',
          `layer 0 kernelSize ${pos}`,
        ],
        [
          () => receptiveField([{ kernelSize: 3 }, { kernelSize: 3, dilation: 0 }]),
          ArgumentError,
          'receptiveField',
          `layer 1 dilation ${pos}`,
        ],
        [
          () => receptiveField([{ kernelSize: 3, stride: 0 }]),
          ArgumentError,
          'receptiveField',
          `layer 0 stride ${pos}`,
        ],
        [
          () => new InceptionBlock('x' as never),
          ArgumentError,
          'InceptionBlock',
          'expected options { inChannels, ch1x1, ... }',
        ],
        [
          () =>
            new InceptionBlock({
              inChannels: 2,
              ch1x1: 1,
              ch3x3red: 1,
              ch3x3: 1,
              ch5x5red: 1,
              ch5x5: 1,
              poolProj: 1,
              kernel5x5: 4 as never,
            }),
          ArgumentError,
          'InceptionBlock',
          'kernel5x5 must be 3 or 5, got 4',
        ],
        [
          () => new MultiHeadSelfAttention(0),
          ArgumentError,
          'MultiHeadSelfAttention',
          `channels ${pos}`,
        ],
        [
          () => new MultiHeadSelfAttention(4, { numHeads: 0 }),
          ArgumentError,
          'MultiHeadSelfAttention',
          `numHeads ${pos}`,
        ],
        [() => new NonLocalBlock(0), ArgumentError, 'NonLocalBlock', `channels ${pos}`],
        [
          () => new NonLocalBlock(4, { interChannels: 0 }),
          ArgumentError,
          'NonLocalBlock',
          `interChannels ${pos}`,
        ],
        [() => new SelfAttention(0), ArgumentError, 'SelfAttention', `channels ${pos}`],
        [
          () => new SelfAttention(8, { reduction: 0 }),
          ArgumentError,
          'SelfAttention',
          `reduction ${pos}`,
        ],
        [
          () => new SeparableConv('x' as never),
          ArgumentError,
          'SeparableConv',
          'expected options { inChannels, outChannels, ... }',
        ],
        [
          () => new SeparableConv({ inChannels: 0, outChannels: 2 }),
          ArgumentError,
          'SeparableConv',
          `inChannels ${pos}`,
        ],
        [
          () => new SeparableConv({ inChannels: 2, outChannels: 2, kernelSize: 0 }),
          ArgumentError,
          'SeparableConv',
          `kernelSize ${pos}`,
        ],
        [
          () => new SeparableConv({ inChannels: 2, outChannels: 2, dilation: 0 }),
          ArgumentError,
          'SeparableConv',
          `dilation ${pos}`,
        ],
        [
          () => new SeparableConv({ inChannels: 2, outChannels: 2, depthMultiplier: 0 }),
          ArgumentError,
          'SeparableConv',
          `depthMultiplier ${pos}`,
        ],
        [
          () => new UNet('x' as never),
          ArgumentError,
          'UNet',
          'expected options { inChannels, outChannels, depth, ... }',
        ],
        [
          () => new UNet({ inChannels: 0, outChannels: 1, depth: 1 }),
          ArgumentError,
          'UNet',
          `inChannels ${pos}`,
        ],
        [
          () => new UNet({ inChannels: 1, outChannels: 0, depth: 1 }),
          ArgumentError,
          'UNet',
          `outChannels ${pos}`,
        ],
        [
          () => new UNet({ inChannels: 1, outChannels: 1, depth: 0 }),
          ArgumentError,
          'UNet',
          `depth ${pos}`,
        ],
        [
          () => new UNet({ inChannels: 1, outChannels: 1, depth: 1, channels: [2, 0] }),
          ArgumentError,
          'UNet',
          `channels[1] ${pos}`,
        ],
        [
          () => new UNet({ inChannels: 1, outChannels: 1, depth: 1, channels: 0 }),
          ArgumentError,
          'UNet',
          `channels ${pos}`,
        ],
        [
          () => new UNet({ inChannels: 1, outChannels: 1, depth: 1, down: 'x' as never }),
          ArgumentError,
          'UNet',
          'down must be one of the named choices or a maker function, got',
        ],
        [
          () => new UNet({ inChannels: 1, outChannels: 1, depth: 1, up: 'x' as never }),
          ArgumentError,
          'UNet',
          'up must be one of the named choices or a maker function',
        ],
        [
          () => new UNet({ inChannels: 1, outChannels: 1, depth: 1, block: () => 1 as never }),
          ArgumentError,
          'UNet',
          'the block maker must return a Module, got',
        ],
        [
          () => new UNet({ inChannels: 1, outChannels: 1, depth: 1, down: () => 1 as never }),
          ArgumentError,
          'UNet',
          'the down maker must return a Module',
        ],
        [
          () => new UNet({ inChannels: 1, outChannels: 1, depth: 1, up: () => 1 as never }),
          ArgumentError,
          'UNet',
          'the up maker must return a Module',
        ],
      ];
      for (const [call, type, where, ...fragments] of cases)
        rejects(call, type, where, ...fragments);
    });

    it('forward refuses wrong inputs, naming the block', () => {
      const x = tf.zeros([1, 4, 4, 3]);
      const blocks: [Module, string][] = [
        [new Cbam(4), 'Cbam'],
        [new SqueezeExcitation(4), 'SqueezeExcitation'],
        [new DenseLayer({ inChannels: 4, growthRate: 2 }), 'DenseLayer'],
        [new Transition({ inChannels: 4, outChannels: 2 }), 'Transition'],
        [
          new InceptionBlock({
            inChannels: 4,
            ch1x1: 1,
            ch3x3red: 1,
            ch3x3: 1,
            ch5x5red: 1,
            ch5x5: 1,
            poolProj: 1,
          }),
          'InceptionBlock',
        ],
        [new NonLocalBlock(4), 'NonLocalBlock'],
        [new SeparableConv({ inChannels: 4, outChannels: 2 }), 'SeparableConv'],
        [new UNet({ inChannels: 4, outChannels: 1, depth: 1, channels: 2 }), 'UNet'],
      ];
      for (const [block, where] of blocks) {
        rejects(() => block.call(x), ShapeError, where, 'expected 4 input channels');
        block.dispose();
      }
      const mha = new MultiHeadSelfAttention(4);
      rejects(
        () => mha.call('x' as never),
        ArgumentError,
        'MultiHeadSelfAttention',
        'expected NHWC [N, H, W, C] or tokens [N, L, C], got',
      );
      rejects(
        () => mha.call(x),
        ShapeError,
        'MultiHeadSelfAttention',
        'expected NHWC [N, H, W, 4] or tokens [N, L, 4]',
      );
      rejects(
        () => mha.call(tf.zeros([4, 4])),
        ShapeError,
        'MultiHeadSelfAttention',
        'expected NHWC [N, H, W, 4]',
      );
      expect(mha.call(tf.zeros([1, 3, 4])).shape).toEqual([1, 3, 4]);
      mha.dispose();
      const unet = new UNet({ inChannels: 3, outChannels: 1, depth: 2, channels: 2 });
      rejects(
        () => unet.call(tf.zeros([1, 8, 6, 3])),
        ShapeError,
        'UNet',
        'multiples of 2^depth = 4 (depth 2), got 8x6',
      );
      rejects(() => unet.call(tf.zeros([1, 6, 8, 3])), ShapeError, 'UNet', 'got 6x8');
      unet.dispose();
      x.dispose();
    });

    it('output widths: DenseBlock in + layers * growth, Inception the sum of its branches', () => {
      const dense = new DenseBlock({ numLayers: 3, inChannels: 4, growthRate: 2 });
      expect(dense.outChannels).toBe(10);
      expect(dense.layers.map((l) => l.inChannels)).toEqual([4, 6, 8]);
      const inception = new InceptionBlock({
        inChannels: 2,
        ch1x1: 1,
        ch3x3red: 1,
        ch3x3: 2,
        ch5x5red: 1,
        ch5x5: 3,
        poolProj: 4,
      });
      expect(inception.outChannels).toBe(10);
      // Dropout only with a positive rate.
      expect(new DenseLayer({ inChannels: 2, growthRate: 2 }).dropout).toBeUndefined();
      expect(new DenseLayer({ inChannels: 2, growthRate: 2, dropRate: 0.5 }).dropout?.p).toBe(0.5);
      // A shortcut only where the shape changes: a 1x1 conv (HWIO) and its norm.
      expect(new BasicBlock(4, 4).downsample).toBeUndefined();
      const shortcutShapes = (block: BasicBlock) =>
        Object.fromEntries(
          Object.entries(block.downsample?.stateDict() ?? {}).map(([k, v]) => [k, v.shape]),
        );
      const strided = new BasicBlock(4, 4, { stride: 2 });
      const widened = new BasicBlock(4, 8);
      expect(shortcutShapes(strided)['0.weight']).toEqual([1, 1, 4, 4]);
      expect(shortcutShapes(widened)['0.weight']).toEqual([1, 1, 4, 8]);
      expect(shortcutShapes(widened)['1.weight']).toEqual([8]);
      for (const m of [strided, widened]) m.dispose();
      // SAGAN's query/key width: channels / 8, at least 1.
      expect(new SelfAttention(16).query_conv.outChannels).toBe(2);
      expect(new SelfAttention(4).query_conv.outChannels).toBe(1);
      for (const m of [dense, inception]) m.dispose();
    });

    it('UNet takes maker functions for its down and up layers', () => {
      const downs: number[] = [];
      const ups: number[] = [];
      const unet = new UNet({
        inChannels: 1,
        outChannels: 1,
        depth: 2,
        channels: [2, 3, 4],
        down: (_c, level) => {
          downs.push(level);
          return new MaxPool2d({ kernelSize: 2 });
        },
        up: (inC, outC, level, seed) => {
          ups.push(level);
          return new Sequential([
            new Upsample({ scaleFactor: 2, mode: 'nearest' }),
            new Conv2d({ inChannels: inC, outChannels: outC, kernelSize: 1, seed }),
          ]);
        },
      });
      expect(downs).toEqual([1, 2]);
      expect(ups).toEqual([0, 1]);
      const y = unet.eval().call(tf.zeros([1, 4, 4, 1]));
      expect(y.shape).toEqual([1, 4, 4, 1]);
      y.dispose();
      unet.dispose();
    });

    it("each sub-layer's weights come from the seed's fork named by its key", async () => {
      const s = 5;
      const se = new SqueezeExcitation(8, { reduction: 4, seed: s });
      await drawnFrom(se.fc1, { inChannels: 8, outChannels: 2, kernelSize: 1 }, rng(s).fork('fc1'));
      await drawnFrom(se.fc2, { inChannels: 2, outChannels: 8, kernelSize: 1 }, rng(s).fork('fc2'));
      const cbam = new Cbam(8, { reduction: 4, seed: s });
      await drawnFrom(
        cbam.channel.fc1,
        { inChannels: 8, outChannels: 2, kernelSize: 1 },
        rng(s).fork('channel').fork('fc1'),
      );
      await drawnFrom(
        cbam.channel.fc2,
        { inChannels: 2, outChannels: 8, kernelSize: 1 },
        rng(s).fork('channel').fork('fc2'),
      );
      await drawnFrom(
        cbam.spatial.conv,
        { inChannels: 2, outChannels: 1, kernelSize: 7, bias: false },
        rng(s).fork('spatial').fork('conv'),
      );
      const sep = new SeparableConv({ inChannels: 3, outChannels: 5, seed: s });
      await drawnFrom(
        sep.conv_dw,
        { inChannels: 3, outChannels: 3, kernelSize: 3, groups: 3, bias: false },
        rng(s).fork('conv_dw'),
      );
      await drawnFrom(
        sep.conv_pw,
        { inChannels: 3, outChannels: 5, kernelSize: 1, bias: false },
        rng(s).fork('conv_pw'),
      );
      const bottleneck = new Bottleneck(8, 4, { attention: 'se', seed: s });
      await drawnFrom(
        bottleneck.conv1,
        { inChannels: 8, outChannels: 4, kernelSize: 1, bias: false },
        rng(s).fork('conv1'),
      );
      await drawnFrom(
        bottleneck.conv3,
        { inChannels: 4, outChannels: 16, kernelSize: 1, bias: false },
        rng(s).fork('conv3'),
      );
      await drawnFrom(
        (bottleneck.se as SqueezeExcitation).fc1,
        { inChannels: 16, outChannels: 1, kernelSize: 1 },
        rng(s).fork('se').fork('fc1'),
      );
      const basic = new BasicBlock(4, 4, { attention: 'se', seed: s });
      await drawnFrom(
        basic.conv2,
        { inChannels: 4, outChannels: 4, kernelSize: 3, bias: false },
        rng(s).fork('conv2'),
      );
      await drawnFrom(
        (basic.se as SqueezeExcitation).fc2,
        { inChannels: 1, outChannels: 4, kernelSize: 1 },
        rng(s).fork('se').fork('fc2'),
      );
      const cna = new ConvNormAct({ inChannels: 2, outChannels: 3, seed: s });
      await drawnFrom(
        cna.conv,
        { inChannels: 2, outChannels: 3, kernelSize: 3, bias: false },
        rng(s).fork('conv'),
      );
      const stack = new DilatedStack({ channels: 2, dilations: [1, 2], seed: s });
      await drawnFrom(
        stack.layers[1]!.conv,
        { inChannels: 2, outChannels: 2, kernelSize: 3 },
        rng(s).fork('layers.1').fork('conv'),
      );
      const dense = new DenseLayer({ inChannels: 2, growthRate: 3, bnSize: 1, seed: s });
      await drawnFrom(
        dense.conv2,
        { inChannels: 3, outChannels: 3, kernelSize: 3, bias: false },
        rng(s).fork('conv2'),
      );
      const transition = new Transition({ inChannels: 4, outChannels: 2, seed: s });
      await drawnFrom(
        transition.conv,
        { inChannels: 4, outChannels: 2, kernelSize: 1, bias: false },
        rng(s).fork('conv'),
      );
      const attention = new SelfAttention(8, { seed: s });
      await drawnFrom(
        attention.query_conv,
        { inChannels: 8, outChannels: 1, kernelSize: 1 },
        rng(s).fork('query_conv'),
      );
      await drawnFrom(
        attention.key_conv,
        { inChannels: 8, outChannels: 1, kernelSize: 1 },
        rng(s).fork('key_conv'),
      );
      await drawnFrom(
        attention.value_conv,
        { inChannels: 8, outChannels: 8, kernelSize: 1 },
        rng(s).fork('value_conv'),
      );
      const unet = new UNet({ inChannels: 1, outChannels: 2, depth: 1, channels: 3, seed: s });
      await drawnFrom(
        unet.head as Conv2d,
        { inChannels: 3, outChannels: 2, kernelSize: 1 },
        rng(s).fork('head'),
      );
      expect(rng(s)).toBeInstanceOf(Rng);
      for (const m of [
        se,
        cbam,
        sep,
        bottleneck,
        basic,
        cna,
        stack,
        dense,
        transition,
        attention,
        unet,
      ])
        m.dispose();
    });
  },
  { only: ['cpu'] },
);
