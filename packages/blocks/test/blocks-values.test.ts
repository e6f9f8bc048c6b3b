import { type Module, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, expect, it } from 'vitest';
import {
  Bottleneck,
  Cbam,
  ConvNormAct,
  createActivation,
  DilatedStack,
  MinibatchStddev,
  PixelNorm,
  SeparableConv,
  SqueezeExcitation,
  UNet,
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

// Forward values of the course's blocks against PyTorch references written from their
// papers (tools/parity/blocks_values.py): a block that computes something else fails
// here, whatever its gradients say.
const fixture: Fixture = loadFixture('blocks-values.safetensors');
afterAll(() => tf.dispose(Object.values(fixture.tensors)));

const builders: Record<string, (c: Record<string, any>) => Module> = {
  cbam: (c) => new Cbam(c.channels, c),
  se: (c) => new SqueezeExcitation(c.channels, c),
  separable: (c) => new SeparableConv(c as never),
  dilated: (c) => new DilatedStack(c as never),
  bottleneck: (c) => new Bottleneck(c.inChannels, c.planes, c),
  convnormact: (c) => new ConvNormAct(c as never),
  unet: (c) => new UNet(c as never),
  pixelnorm: (c) => new PixelNorm(c),
  act: (c) => createActivation(c.name, c),
  mbstd: (c) => new MinibatchStddev(c),
};

function build(name: string): Module {
  const make = builders[name.split('_')[0]!];
  if (!make) throw new Error(`no builder for ${name}`);
  return make(fixture.configs[name]!);
}

/** Loads the PyTorch state dict, runs one forward in the case's mode, compares. */
async function runCase(name: string, train: boolean): Promise<Module> {
  const module = build(name);
  module.loadStateDict(entries(fixture, name, 'state'), { from: 'torch', strict: true });
  module.train(train);
  const x = toNHWC(tensor(fixture, `${name}/input`));
  const expected = toNHWC(tensor(fixture, `${name}/output`));
  const y = module.call(x) as tf.Tensor;
  const diff = await maxDiff(y, expected);
  // float32 sums in a different order: 1e-4 absolute, relative where outputs grow past 10
  // (the stride/bilinear UNet reaches 98).
  const peak = tf.tidy(() => tf.max(tf.abs(expected)));
  const scale = Math.max(10, (await peak.data())[0]!);
  peak.dispose();
  tf.dispose([x, expected, y]);
  expect(diff, `${name}: max |atelier - torch|`).toBeLessThanOrEqual(1e-5 * scale);
  return module;
}

/** The running statistics after the training-mode forward match PyTorch's. */
async function checkAfter(name: string, module: Module): Promise<void> {
  const after = entries(fixture, name, 'after');
  expect(Object.keys(after).length).toBeGreaterThan(0);
  const state = module.stateDict({ to: 'torch' });
  for (const [key, value] of Object.entries(after)) {
    expect(state[key], `${name}: ${key}`).toBeDefined();
    const a = tf.cast(state[key]!, 'float32');
    const b = tf.cast(value, 'float32');
    await expectClose(a, b, 1e-5);
    tf.dispose([a, b]);
  }
  tf.dispose(Object.values(state));
}

const EVAL_CASES = [
  'cbam',
  'se',
  'separable_bn',
  'separable_plain',
  'dilated_plain',
  'dilated_bn_reflect',
  'bottleneck_down',
  'bottleneck_identity',
  'bottleneck_se',
  'convnormact_instance',
  'unet_default',
  'unet_stride_bilinear',
  'unet_nearest_instance',
  'pixelnorm_maps',
  'pixelnorm_latent',
  'act_relu',
  'act_tanh',
  'act_sigmoid',
  'act_leaky_default',
  'act_elu_default',
  'mbstd_g4',
  'mbstd_g2',
];
const TRAIN_CASES = ['cbam_train', 'unet_train'];
// The software WebGPU adapter gets one case per block, not every variant.
const WEBGPU_CASES = new Set([
  'cbam',
  'separable_bn',
  'dilated_plain',
  'bottleneck_down',
  'unet_default',
  'pixelnorm_maps',
  'cbam_train',
]);

describeBackends('blocks match PyTorch references', (backend) => {
  const pick = (names: string[]) =>
    backend === 'webgpu' ? names.filter((n) => WEBGPU_CASES.has(n)) : names;

  for (const name of pick(EVAL_CASES)) {
    it(`${name} (eval)`, async () => {
      (await runCase(name, false)).dispose();
    });
  }

  for (const name of pick(TRAIN_CASES)) {
    it(`${name} (training mode: batch statistics, then running statistics)`, async () => {
      const module = await runCase(name, true);
      await checkAfter(name, module);
      module.dispose();
    });
  }

  it('every fixture case is tested', () => {
    expect(new Set([...EVAL_CASES, ...TRAIN_CASES])).toEqual(new Set(Object.keys(fixture.configs)));
  });
});
