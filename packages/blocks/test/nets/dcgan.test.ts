import { init, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DCGANDiscriminator,
  type DCGANDiscriminatorOptions,
  DCGANGenerator,
  type DCGANGeneratorOptions,
} from '../../src/index.js';
import { expectClose, loadNetFixture } from './fixture.js';

describeBackends('DCGAN matches the PyTorch DCGAN tutorial', () => {
  for (const size of [32, 64]) {
    it(`generator, ${size}x${size}`, async () => {
      const f = loadNetFixture(`dcgan-generator-${size}`);
      const net = new DCGANGenerator(f.config as DCGANGeneratorOptions);
      net.loadStateDict(f.state, { from: 'torch' });
      net.eval();
      const before = tf.memory().numTensors;
      // z as the fixture's [N, 1, 1, nz] and as [N, nz].
      const y = net.call(f.input);
      const flat = tf.reshape(f.input, [f.input.shape[0]!, -1]);
      const y2 = net.call(flat);
      expect(tf.memory().numTensors).toBe(before + 3);
      await expectClose(y, f.outputs.output!);
      await expectClose(y2, f.outputs.output!);
      tf.dispose([y, y2, flat]);
      net.dispose();
      f.dispose();
    });

    it(`discriminator, ${size}x${size} (logits)`, async () => {
      const f = loadNetFixture(`dcgan-discriminator-${size}`);
      const net = new DCGANDiscriminator(f.config as DCGANDiscriminatorOptions);
      net.loadStateDict(f.state, { from: 'torch' });
      net.eval();
      const before = tf.memory().numTensors;
      const y = net.call(f.input);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(y.shape).toEqual([f.input.shape[0], 1, 1, 1]);
      await expectClose(y, f.outputs.output!);
      y.dispose();
      net.dispose();
      f.dispose();
    });
  }
});

describe('DCGAN construction', () => {
  // Nothing here depends on the backend: run it on cpu, whichever ran last.
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it("the tutorial's 64x64 nets: G 3,576,704 and D 2,765,568 parameters, keys main.N", () => {
    const g = new DCGANGenerator();
    const d = new DCGANDiscriminator();
    expect(g.numParameters()).toBe(3_576_704);
    expect(d.numParameters()).toBe(2_765_568);
    expect(
      g
        .namedParameters()
        .map(([k]) => k)
        .slice(0, 4),
    ).toEqual(['main.0.weight', 'main.1.weight', 'main.1.bias', 'main.3.weight']);
    expect(
      d
        .namedParameters()
        .map(([k]) => k)
        .at(-1),
    ).toBe('main.11.weight');
    g.dispose();
    d.dispose();
  });

  it('shape errors name what was expected', () => {
    const g = new DCGANGenerator({ latentDim: 8, ngf: 2, size: 32 });
    const d = new DCGANDiscriminator({ ndf: 2, size: 32 });
    const z = tf.zeros([2, 7]);
    const x = tf.zeros([1, 64, 64, 3]);
    expect(() => g.call(z)).toThrow(ShapeError);
    expect(() => g.call(z)).toThrow(/expected z of shape \[N, 8\] or \[N, 1, 1, 8\]/);
    expect(() => d.call(x)).toThrow(/expected 32x32 images \(size 32\), got 64x64/);
    expect(() => new DCGANGenerator({ size: 128 as never })).toThrow(/size must be 32 or 64/);
    tf.dispose([z, x]);
    g.dispose();
    d.dispose();
  });
});
