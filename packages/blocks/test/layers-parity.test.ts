import { type Module, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BasicBlock,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  createActivation,
  DenseBlock,
  GroupNorm,
  InceptionBlock,
  InstanceNorm2d,
  LayerNorm,
  Linear,
  MaxPool2d,
  MultiHeadSelfAttention,
  NonLocalBlock,
  ReflectionPad2d,
  ReplicationPad2d,
  ResNeXtBottleneck,
  SelfAttention,
  SpectralNorm,
  Transition,
  Upsample,
  ZeroPad2d,
} from '../src/index.js';
import {
  entries,
  expectClose,
  type Fixture,
  loadFixture,
  maxDiff,
  tensor,
  toNHWC,
} from './helpers.js';

const fixture: Fixture = loadFixture();
afterAll(() => tf.dispose(Object.values(fixture.tensors)));

/** How each case's module is built from the options the fixture stored. */
const PADS = { reflect: ReflectionPad2d, replicate: ReplicationPad2d, zero: ZeroPad2d };

const builders: Record<string, (c: Record<string, any>) => Module> = {
  conv: (c) => new Conv2d(c as never),
  convt: (c) => new ConvTranspose2d(c as never),
  linear: (c) => new Linear(c as never),
  pad: (c) => new PADS[c.mode as keyof typeof PADS](c.padding),
  bn: (c) => new BatchNorm2d(c.numFeatures, c),
  in: (c) => new InstanceNorm2d(c.numFeatures, c),
  groupnorm: (c) => new GroupNorm(c.numGroups, c.numChannels),
  layernorm: (c) => new LayerNorm(c.normalizedShape),
  spectral: (c) =>
    new SpectralNorm(
      'inFeatures' in c
        ? new Linear(c as never)
        : 'stride' in c
          ? new ConvTranspose2d(c as never)
          : new Conv2d(c as never),
    ),
  up: (c) => new Upsample(c),
  maxpool: (c) => new MaxPool2d(c as never),
  avgpool: (c) => new AvgPool2d(c as never),
  adaptive: (c) => new AdaptiveAvgPool2d(c.outputSize),
  act: (c) => createActivation(c.name, c),
  self: (c) => new SelfAttention(c.channels),
  non: (c) => new NonLocalBlock(c.channels, c),
  mha: (c) => new MultiHeadSelfAttention(c.channels, c),
  basic: (c) => new BasicBlock(c.inChannels, c.outChannels, c),
  resnext: (c) => new ResNeXtBottleneck(c.inChannels, c.planes, c),
  inception: (c) => new InceptionBlock(c as never),
  dense: (c) => new DenseBlock(c as never),
  transition: (c) => new Transition(c as never),
};

function build(name: string): Module {
  const config = fixture.configs[name]!;
  const prefix = name.startsWith('conv_') ? 'conv' : name.split('_')[0]!;
  const make = builders[prefix];
  if (!make) throw new Error(`no builder for ${name}`);
  return make(config);
}

/** Runs one case: load the PyTorch state dict, forward in the case's mode, compare. */
async function runCase(name: string, train: boolean): Promise<Module> {
  const module = build(name);
  module.loadStateDict(entries(fixture, name, 'state'), { from: 'torch' });
  module.train(train);
  const nhwc = fixture.configs[name]!.layout === 'nhwc';
  const convert = (t: tf.Tensor) => (nhwc ? tf.clone(t) : toNHWC(t));
  const x = convert(tensor(fixture, `${name}/input`));
  const expected = convert(tensor(fixture, `${name}/output`));
  const y = module.call(x) as tf.Tensor;
  const diff = await maxDiff(y, expected);
  tf.dispose([x, expected, y]);
  expect(diff, `${name}: max |atelier - torch|`).toBeLessThanOrEqual(1e-4);
  return module;
}

/** The buffers after a training-mode forward match PyTorch's. */
async function checkAfter(name: string, module: Module): Promise<void> {
  const after = entries(fixture, name, 'after');
  expect(Object.keys(after).length).toBeGreaterThan(0);
  const state = module.stateDict({ to: 'torch' });
  for (const [key, value] of Object.entries(after)) {
    const mine = state[key];
    expect(mine, `${name}: ${key}`).toBeDefined();
    const a = tf.cast(mine!, 'float32');
    const b = tf.cast(value, 'float32');
    await expectClose(a, b, 1e-5);
    tf.dispose([a, b]);
  }
  tf.dispose(Object.values(state));
}

async function checkEval(name: string, module: Module): Promise<void> {
  module.eval();
  const x = toNHWC(tensor(fixture, `${name}/input_eval`));
  const expected = toNHWC(tensor(fixture, `${name}/output_eval`));
  const y = module.call(x) as tf.Tensor;
  await expectClose(y, expected, 1e-4);
  tf.dispose([x, expected, y]);
}

const EVAL_CASES = [
  'conv_reflect',
  'conv_replicate',
  'conv_strided',
  'conv_s2p1_k3',
  'conv_grouped_dilated',
  'conv_depthwise',
  'conv_rect',
  'convt_outpad',
  'convt_k4',
  'convt_grouped',
  'linear',
  'pad_reflect',
  'pad_replicate',
  'pad_zero',
  'bn_eval',
  'in_affine',
  'in_plain',
  'groupnorm',
  'layernorm_tokens',
  'layernorm_nhwc',
  'up_bilinear',
  'up_bilinear_size',
  'up_bilinear_corners',
  'up_nearest',
  'maxpool',
  'avgpool_pad',
  'avgpool_nopad',
  'adaptive',
  'act_gelu',
  'act_gelu_tanh',
  'act_elu',
  'act_leaky',
  'act_swish',
  'self_attention',
  'non_local',
  'non_local_sub',
  'mha',
  'basic_block',
  'resnext_bottleneck',
  'inception',
  'dense_block',
  'transition',
];

const TRAIN_CASES = [
  'bn_train',
  'bn_cumulative',
  'in_track',
  'spectral_conv',
  'spectral_convt',
  'spectral_linear',
];

// WebGPU runs on a software adapter here: the cases are tiny already, but it gets the
// ones that exercise distinct kernels, not every variant.
const WEBGPU_CASES = new Set([
  'conv_reflect',
  'conv_grouped_dilated',
  'convt_outpad',
  'linear',
  'in_affine',
  'groupnorm',
  'up_bilinear',
  'maxpool',
  'self_attention',
  'bn_train',
  'in_track',
  'spectral_conv',
]);

describeBackends('layers match PyTorch', (backend) => {
  const pick = (names: string[]) =>
    backend === 'webgpu' ? names.filter((n) => WEBGPU_CASES.has(n)) : names;

  for (const name of pick(EVAL_CASES)) {
    it(`${name} (eval)`, async () => {
      const module = await runCase(name, false);
      module.dispose();
    });
  }

  for (const name of pick(TRAIN_CASES)) {
    it(`${name} (training step, then eval)`, async () => {
      const module = await runCase(name, true);
      await checkAfter(name, module);
      if (fixture.tensors[`${name}/input_eval`]) await checkEval(name, module);
      module.dispose();
    });
  }

  it('every fixture case is tested', () => {
    expect(new Set([...EVAL_CASES, ...TRAIN_CASES])).toEqual(new Set(Object.keys(fixture.configs)));
  });
});
