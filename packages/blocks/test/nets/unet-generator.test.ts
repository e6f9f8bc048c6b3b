import { init, ShapeError, StateDictError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  PatchDiscriminator,
  UnetGenerator,
  type UnetGeneratorOptions,
  type UnetSkipConnectionBlock,
} from '../../src/index.js';
import { expectClose, loadNetFixture, maxAbsDiff } from './fixture.js';

describeBackends('UnetGenerator matches junyanz/pytorch-CycleGAN-and-pix2pix', () => {
  for (const norm of ['batch', 'instance'] as const) {
    it(`${norm} norm, numDowns 6, 64x64, dropout on (eval)`, async () => {
      const f = loadNetFixture(`unet-${norm}`);
      const net = new UnetGenerator(f.config as UnetGeneratorOptions);
      expect(net.norm).toBe(norm);
      // Strict: every key of the reference's state dict is used, none is missing.
      net.loadStateDict(f.state, { from: 'torch' });
      net.eval();
      const before = tf.memory().numTensors;
      const y = net.call(f.input);
      expect(tf.memory().numTensors).toBe(before + 1);
      await expectClose(y, f.outputs.output!);
      y.dispose();
      net.dispose();
      f.dispose();
    });
  }

  it('the skip carries LeakyReLU(0.2) of the input, as the reference (not the input itself)', async () => {
    const f = loadNetFixture('unet-batch');
    const net = new UnetGenerator(f.config as UnetGeneratorOptions).eval();
    net.loadStateDict(f.state, { from: 'torch' });
    const inner = net.model.model.at(1) as UnetSkipConnectionBlock;
    const x = tf.randomNormal([1, 32, 32, 4], 0, 1, 'float32', 3);
    const y = inner.call(x);
    const skip = tf.slice(y, [0, 0, 0, 0], [1, 32, 32, 4]);
    const activated = tf.leakyRelu(x, 0.2);
    expect(y.shape).toEqual([1, 32, 32, 8]);
    await expectClose(skip, activated, 1e-7);
    tf.dispose([x, y, skip, activated]);
    net.dispose();
    f.dispose();
  });
});

describe('UnetGenerator construction', () => {
  // Nothing here depends on the backend: run it on cpu, whichever ran last.
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it("unet_256 at ngf 64 with batch norm has the reference's 82 keys and 54,413,955 parameters", () => {
    const net = new UnetGenerator({
      inChannels: 3,
      outChannels: 3,
      numDowns: 8,
      ngf: 64,
      norm: 'batch',
    });
    expect(Object.keys(net.stateDict()).length).toBe(82);
    expect(net.numParameters()).toBe(54_413_955);
    net.dispose();
  });

  it('keys nest as model.model.1.model.3... (innermost: .1 conv, .3 ConvT, .4 norm)', () => {
    const net = new UnetGenerator({ numDowns: 5, ngf: 2, norm: 'batch' });
    const dict = net.stateDict();
    const keys = Object.keys(dict);
    tf.dispose(Object.values(dict));
    expect(keys).toContain('model.model.0.weight');
    expect(keys).toContain('model.model.3.weight');
    expect(keys).toContain('model.model.3.bias');
    expect(keys).toContain('model.model.1.model.1.weight');
    expect(keys).toContain('model.model.1.model.2.running_mean');
    expect(keys).toContain('model.model.1.model.5.weight');
    expect(keys).toContain('model.model.1.model.6.num_batches_tracked');
    const innermost = 'model.model.1.model.3.model.3.model.3';
    expect(keys).toContain(`${innermost}.model.1.weight`);
    expect(keys).toContain(`${innermost}.model.3.weight`);
    expect(keys).toContain(`${innermost}.model.4.weight`);
    // No conv bias beside batch norm, except the outermost ConvT.
    expect(keys.filter((k) => k.endsWith('.bias') && !/\.(2|4|6)\.bias$/.test(k))).toEqual([
      'model.model.3.bias',
    ]);
    net.dispose();
  });

  it('refuses a state dict of another network, naming the missing and unexpected keys', async () => {
    const unet = new UnetGenerator({ numDowns: 5, ngf: 2 });
    const patch = new PatchDiscriminator({ ndf: 2 });
    const dict = patch.stateDict({ to: 'torch' });
    const before = unet.stateDict();
    let error: unknown;
    try {
      unet.loadStateDict(dict, { from: 'torch' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const message = (error as Error).message;
    expect(message).toMatch(/missing: .*model\.model\.0\.weight/);
    expect(message).toMatch(/\d+ unexpected: model\.0\.weight, model\.0\.bias, model\.2\.weight/);
    // Nothing was loaded.
    const after = unet.stateDict();
    for (const key of Object.keys(before)) {
      expect(await maxAbsDiff(after[key]!, before[key]!)).toBe(0);
    }
    tf.dispose([...Object.values(dict), ...Object.values(before), ...Object.values(after)]);
    unet.dispose();
    patch.dispose();
  });

  it('sizes that are not multiples of 2^numDowns are a ShapeError naming the rule', () => {
    const net = new UnetGenerator({ numDowns: 5, ngf: 2 });
    const x = tf.zeros([1, 48, 40, 3]);
    expect(() => net.call(x)).toThrow(ShapeError);
    expect(() => net.call(x)).toThrow(/multiples of 2\^numDowns = 32 .*48x40/);
    const wrongChannels = tf.zeros([1, 32, 32, 4]);
    expect(() => net.call(wrongChannels)).toThrow(/expected 3 input channels/);
    tf.dispose([x, wrongChannels]);
    net.dispose();
  });

  it('checks its options', () => {
    expect(() => new UnetGenerator({ numDowns: 4 })).toThrow(/numDowns must be at least 5/);
    expect(() => new UnetGenerator({ norm: 'group' as never })).toThrow(
      /norm must be one of 'batch', 'instance', 'none'/,
    );
    expect(() => new UnetGenerator({ ngf: 0 })).toThrow(/ngf must be an integer >= 1, got 0/);
  });
});
