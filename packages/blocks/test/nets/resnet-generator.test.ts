import { init, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResnetGenerator, type ResnetGeneratorOptions } from '../../src/index.js';
import { expectClose, loadNetFixture } from './fixture.js';

describeBackends('ResnetGenerator matches junyanz/pytorch-CycleGAN-and-pix2pix', () => {
  for (const name of ['resnet-batch', 'resnet-instance', 'resnet-dropout']) {
    it(name, async () => {
      const f = loadNetFixture(name);
      const net = new ResnetGenerator(f.config as ResnetGeneratorOptions);
      net.loadStateDict(f.state, { from: 'torch' });
      net.eval();
      const before = tf.memory().numTensors;
      const y = net.call(f.input);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(y.shape).toEqual(f.input.shape);
      await expectClose(y, f.outputs.output!);
      y.dispose();
      net.dispose();
      f.dispose();
    });
  }
});

describe('ResnetGenerator construction', () => {
  // Nothing here depends on the backend: run it on cpu, whichever ran last.
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it('resnet_9blocks at ngf 64 with instance norm (CycleGAN) has 11,378,179 parameters and 48 keys', () => {
    const net = new ResnetGenerator({ ngf: 64, norm: 'instance', nBlocks: 9 });
    expect(net.numParameters()).toBe(11_378_179);
    const dict = net.stateDict();
    expect(Object.keys(dict).length).toBe(48);
    tf.dispose(Object.values(dict));
    net.dispose();
  });

  it('with batch norm: 11,383,427 parameters and 140 keys, as the reference', () => {
    const net = new ResnetGenerator({ ngf: 64, norm: 'batch', nBlocks: 9 });
    expect(net.numParameters()).toBe(11_383_427);
    const dict = net.stateDict();
    expect(Object.keys(dict).length).toBe(140);
    tf.dispose(Object.values(dict));
    net.dispose();
  });

  it('keys: model.1, model.4, model.7, model.10-18.conv_block.{1,5}, model.19, model.22, model.26; dropout moves the second conv to conv_block.6', () => {
    const keysOf = (dropout: boolean) => {
      const net = new ResnetGenerator({ ngf: 2, nBlocks: 9, norm: 'instance', dropout });
      const dict = net.stateDict();
      tf.dispose(Object.values(dict));
      net.dispose();
      return Object.keys(dict).filter((k) => k.endsWith('weight'));
    };
    const plain = keysOf(false);
    expect(plain.slice(0, 3)).toEqual(['model.1.weight', 'model.4.weight', 'model.7.weight']);
    expect(plain).toContain('model.10.conv_block.1.weight');
    expect(plain).toContain('model.18.conv_block.5.weight');
    expect(plain.slice(-3)).toEqual(['model.19.weight', 'model.22.weight', 'model.26.weight']);
    const dropout = keysOf(true);
    expect(dropout).toContain('model.10.conv_block.6.weight');
    expect(dropout).not.toContain('model.10.conv_block.5.weight');
  });

  it('sizes that are not multiples of 4 are a ShapeError', () => {
    const net = new ResnetGenerator({ ngf: 2, nBlocks: 1 });
    const x = tf.zeros([1, 18, 16, 3]);
    expect(() => net.call(x)).toThrow(ShapeError);
    expect(() => net.call(x)).toThrow(/multiples of 4 .*18x16/);
    x.dispose();
    net.dispose();
  });
});
