import { init, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformerNet } from '../../src/index.js';
import { expectClose, loadNetFixture, maxAbsDiff } from './fixture.js';

describeBackends('TransformerNet matches pytorch/examples fast_neural_style', () => {
  it('32x32 RGB in [0, 255], float16-rounded weights', async () => {
    const f = loadNetFixture('transformer');
    const net = new TransformerNet();
    net.loadStateDict(f.state, { from: 'torch' });
    net.eval();
    const before = tf.memory().numTensors;
    const y = net.call(f.input);
    expect(tf.memory().numTensors).toBe(before + 1);
    // The tolerance is relative to the output's scale (hundreds with trained weights).
    await expectClose(y, f.outputs.output!);
    y.dispose();
    net.dispose();
    f.dispose();
  });
});

describe('TransformerNet construction', () => {
  // Nothing here depends on the backend: run it on cpu, whichever ran last.
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it('has 1,679,235 parameters', () => {
    const net = new TransformerNet();
    expect(net.numParameters()).toBe(1_679_235);
    net.dispose();
  });

  it('drops the legacy in*.running_mean/var of the pretrained checkpoints, and loads the rest strictly', async () => {
    const f = loadNetFixture('transformer');
    const legacy: Record<string, tf.Tensor> = {};
    for (const norm of ['in1', 'in2', 'in3', 'in4', 'in5', 'res1.in1', 'res5.in2']) {
      const channels = f.state[`${norm}.weight`]!.shape[0]!;
      legacy[`${norm}.running_mean`] = tf.zeros([channels]);
      legacy[`${norm}.running_var`] = tf.ones([channels]);
    }
    const net = new TransformerNet();
    const result = net.loadStateDict({ ...f.state, ...legacy }, { from: 'torch' });
    expect(result).toEqual({ missing: [], unexpected: [], mismatched: [] });
    // The weights did arrive.
    const mine = net.conv1.conv2d.weight;
    expect(mine.shape).toEqual([9, 9, 3, 32]);
    const torchLayout = tf.transpose(mine, [3, 2, 0, 1]);
    expect(await maxAbsDiff(torchLayout, f.state['conv1.conv2d.weight']!)).toBe(0);
    torchLayout.dispose();
    tf.dispose(Object.values(legacy));
    net.dispose();
    f.dispose();
  });

  it('a non-RGB input is a ShapeError', () => {
    const net = new TransformerNet();
    const x = tf.zeros([1, 16, 16, 4]);
    expect(() => net.call(x)).toThrow(/TransformerNet: expected 3 input channels/);
    x.dispose();
    net.dispose();
  });
});
