import { ArgumentError, AtelierError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  ACTIVATION_NAMES,
  ATTENTION_NAMES,
  BatchNorm2d,
  Cbam,
  createActivation,
  createAttention,
  createNorm,
  ELU,
  GELU,
  type GroupNorm,
  Identity,
  InstanceNorm2d,
  LayerNorm,
  LeakyReLU,
  MultiHeadSelfAttention,
  NORM_NAMES,
  NonLocalBlock,
  PixelNorm,
  ReLU,
  SelfAttention,
  Sigmoid,
  SqueezeExcitation,
  Swish,
  Tanh,
  UnknownNameError,
} from '../src/index.js';

it('createActivation makes each activation by name, with options', () => {
  const made = {
    relu: ReLU,
    leakyRelu: LeakyReLU,
    elu: ELU,
    gelu: GELU,
    tanh: Tanh,
    sigmoid: Sigmoid,
    swish: Swish,
    none: Identity,
  } as const;
  for (const name of ACTIVATION_NAMES) expect(createActivation(name)).toBeInstanceOf(made[name]);
  expect((createActivation('leakyRelu', { alpha: 0.2 }) as LeakyReLU).alpha).toBe(0.2);
  expect((createActivation('leakyRelu') as LeakyReLU).alpha).toBe(0.01);
  expect((createActivation('elu', { alpha: 0.5 }) as ELU).alpha).toBe(0.5);
});

it('createNorm makes norm layers with PyTorch defaults (instance: no affine, no running stats)', () => {
  const batch = createNorm('batch')(4) as BatchNorm2d;
  expect(batch).toBeInstanceOf(BatchNorm2d);
  expect(Object.keys(batch.stateDict())).toEqual([
    'weight',
    'bias',
    'running_mean',
    'running_var',
    'num_batches_tracked',
  ]);
  const instance = createNorm('instance')(4);
  expect(instance).toBeInstanceOf(InstanceNorm2d);
  expect(Object.keys(instance.stateDict())).toEqual([]);
  expect(Object.keys(createNorm('instance', { affine: true })(4).stateDict())).toEqual([
    'weight',
    'bias',
  ]);
  expect(createNorm('layer')(4)).toBeInstanceOf(LayerNorm);
  const group = createNorm('group', { groups: 2 })(4) as GroupNorm;
  expect(group.numGroups).toBe(2);
  expect((createNorm('group')(8) as GroupNorm).numGroups).toBe(8);
  expect(createNorm('pixel')(4)).toBeInstanceOf(PixelNorm);
  expect(createNorm('none')(4)).toBeInstanceOf(Identity);
  for (const name of NORM_NAMES) tf.dispose(createNorm(name)(8).parameters());
});

it('createAttention makes attention modules over a channel count', () => {
  const made = {
    se: SqueezeExcitation,
    cbam: Cbam,
    selfAttention: SelfAttention,
    nonLocal: NonLocalBlock,
    multiHead: MultiHeadSelfAttention,
    none: Identity,
  } as const;
  for (const name of ATTENTION_NAMES) {
    const m = createAttention(name)(16, 1);
    expect(m).toBeInstanceOf(made[name]);
    m.dispose();
  }
});

it('unknown names throw a typed error listing the valid ones', () => {
  const cases: [() => unknown, readonly string[], string][] = [
    [() => createActivation('mish' as never), ACTIVATION_NAMES, 'createActivation'],
    [() => createNorm('batchnorm' as never), NORM_NAMES, 'createNorm'],
    [() => createAttention('eca' as never), ATTENTION_NAMES, 'createAttention'],
  ];
  for (const [make, valid, factory] of cases) {
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownNameError);
    expect(error).toBeInstanceOf(ArgumentError);
    expect(error).toBeInstanceOf(AtelierError);
    const e = error as UnknownNameError;
    expect(e.valid).toEqual(valid);
    expect(e.factory).toBe(factory);
    for (const name of valid) expect(e.message).toContain(`'${name}'`);
  }
  expect(() => createActivation(undefined as never)).toThrow(UnknownNameError);
});

describeBackends('factory-made layers run', () => {
  it('every norm normalises an NHWC batch of its channel count', async () => {
    const x = tf.randomNormal([2, 3, 3, 8], 1, 2, 'float32', 1);
    for (const name of NORM_NAMES) {
      const norm = createNorm(name)(8);
      const y = norm.call(x) as tf.Tensor;
      expect(y.shape).toEqual(x.shape);
      y.dispose();
      norm.dispose();
    }
    x.dispose();
  });
});
