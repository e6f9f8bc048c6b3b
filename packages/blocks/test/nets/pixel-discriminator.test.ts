import { tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { PixelDiscriminator, type PixelDiscriminatorOptions } from '../../src/index.js';
import { expectClose, loadNetFixture } from './fixture.js';

describeBackends('PixelDiscriminator matches junyanz/pytorch-CycleGAN-and-pix2pix', () => {
  for (const norm of ['batch', 'instance']) {
    it(`${norm} norm`, async () => {
      const f = loadNetFixture(`pixel-${norm}`);
      const net = new PixelDiscriminator(f.config as PixelDiscriminatorOptions);
      net.loadStateDict(f.state, { from: 'torch' });
      expect(
        Object.keys(f.state)
          .filter((k) => !k.includes('running') && !k.includes('num_batches'))
          .sort(),
      ).toEqual(
        net
          .namedParameters()
          .map(([k]) => k)
          .sort(),
      );
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

  it('keys net.0, net.2, net.3, net.5 and 8,832 parameters at ndf 64 with batch norm', () => {
    const net = new PixelDiscriminator({ inChannels: 3, ndf: 64, norm: 'batch' });
    expect(net.numParameters()).toBe(8832);
    expect(net.namedParameters().map(([k]) => k)).toEqual([
      'net.0.weight',
      'net.0.bias',
      'net.2.weight',
      'net.3.weight',
      'net.3.bias',
      'net.5.weight',
    ]);
    net.dispose();
  });
});
