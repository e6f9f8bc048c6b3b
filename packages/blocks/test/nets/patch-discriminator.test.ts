import { init, type Module, ShapeError, tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Conv2d,
  LeakyReLU,
  PatchDiscriminator,
  type PatchDiscriminatorOptions,
} from '../../src/index.js';
import { expectClose, loadNetFixture } from './fixture.js';

describeBackends('PatchDiscriminator matches junyanz/pytorch-CycleGAN-and-pix2pix', () => {
  for (const norm of ['batch', 'instance']) {
    it(`${norm} norm, nLayers 3, 6 channels in (pix2pix), batch of 2`, async () => {
      const f = loadNetFixture(`patch-${norm}`);
      const net = new PatchDiscriminator(f.config as PatchDiscriminatorOptions);
      net.loadStateDict(f.state, { from: 'torch' });
      net.eval();
      const before = tf.memory().numTensors;
      const y = net.call(f.input);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(y.shape.slice(1)).toEqual([...net.outputSize(64, 64), 1]);
      await expectClose(y, f.outputs.output!);
      y.dispose();
      net.dispose();
      f.dispose();
    });
  }
});

/**
 * D(x) with the first conv's weight as a second input, so that the checks reach the
 * weights too: a gradient penalty differentiates the input gradient by the weights.
 */
function withFirstWeight(net: PatchDiscriminator): (x: tf.Tensor, w: tf.Tensor) => tf.Tensor {
  return (x, w) => {
    const first = net.model.at(0) as Conv2d;
    let y: tf.Tensor = first.forwardWithWeight(x, w);
    for (let i = 1; i < net.model.length; i++) y = (net.model.at(i) as Module).forward(y);
    return y;
  };
}

/**
 * The smallest |input| of any LeakyReLU of the net for the input x. Finite differences
 * are only valid where no step moves a LeakyReLU input across its kink (at order 2 the
 * input gradient jumps there, and a difference quotient grows like 1 / step), so the
 * checks below use inputs whose LeakyReLU inputs all keep a margin from zero.
 */
async function kinkMargin(net: PatchDiscriminator, x: tf.Tensor): Promise<number> {
  const minima = tf.tidy(() => {
    const found: tf.Tensor[] = [];
    let y = x;
    for (let i = 0; i < net.model.length; i++) {
      const layer = net.model.at(i) as Module;
      if (layer instanceof LeakyReLU) found.push(tf.min(tf.abs(y)));
      y = layer.forward(y);
    }
    return tf.stack(found);
  });
  const values = await minima.data();
  minima.dispose();
  return Math.min(...values);
}

/** The first seeded normal input (seeds 1, 2, ...) that keeps `margin` from every kink. */
async function kinkFreeInput(
  net: PatchDiscriminator,
  shape: number[],
  margin: number,
): Promise<tf.Tensor> {
  for (let seed = 1; seed <= 200; seed++) {
    const x = tf.randomNormal(shape, 0, 1, 'float32', seed);
    if ((await kinkMargin(net, x)) > margin) return x;
    x.dispose();
  }
  throw new Error('no seed up to 200 gives an input away from the kinks');
}

describeBackends('PatchDiscriminator gradients', () => {
  // A tiny D: 2 channels, ndf 1, nLayers 1 on 6x6 (17 LeakyReLU inputs); steps of 1e-3
  // move those inputs by less than 0.005, a quarter of the margin kept.
  const margin = 0.02;
  const step = 1e-3;

  it('first order, batch norm in training mode (input and first weight)', async () => {
    const net = new PatchDiscriminator({
      inChannels: 2,
      ndf: 1,
      nLayers: 1,
      norm: 'batch',
      seed: 5,
    });
    const x = await kinkFreeInput(net, [2, 6, 6, 2], margin);
    const w = tf.clone((net.model.at(0) as Conv2d).weight);
    const result = await checkGrad(withFirstWeight(net), [x, w], { order: 1, step });
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
    tf.dispose([x, w]);
    net.dispose();
  });

  it('second order (gradient penalties), instance norm (input and first weight)', async () => {
    const net = new PatchDiscriminator({
      inChannels: 2,
      ndf: 1,
      nLayers: 1,
      norm: 'instance',
      seed: 6,
    });
    const x = await kinkFreeInput(net, [1, 6, 6, 2], margin);
    const w = tf.clone((net.model.at(0) as Conv2d).weight);
    const before = tf.memory().numTensors;
    const result = await checkGrad(withFirstWeight(net), [x, w], { order: 2, step });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
    tf.dispose([x, w]);
    net.dispose();
  });
});

describe('PatchDiscriminator construction', () => {
  // Nothing here depends on the backend: run it on cpu, whichever ran last.
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it('the 70x70 PatchGAN: 30x30 logits for a 256x256 input, 2,765,633 parameters (3 channels, batch norm)', () => {
    const net = new PatchDiscriminator({ inChannels: 3, ndf: 64, nLayers: 3, norm: 'batch' });
    expect(net.numParameters()).toBe(2_765_633);
    expect(net.outputSize(256, 256)).toEqual([30, 30]);
    expect(
      net
        .namedParameters()
        .map(([k]) => k.replace(/\.(weight|bias)$/, ''))
        .filter((k, i, a) => a.indexOf(k) === i),
    ).toEqual([
      'model.0',
      'model.2',
      'model.3',
      'model.5',
      'model.6',
      'model.8',
      'model.9',
      'model.11',
    ]);
    net.dispose();
  });

  it('runs 256x256 to 30x30 (shapes only, a narrow net)', () => {
    const net = new PatchDiscriminator({ inChannels: 6, ndf: 1, nLayers: 3 }).eval();
    const x = tf.zeros([1, 256, 256, 6]);
    const y = net.call(x);
    expect(y.shape).toEqual([1, 30, 30, 1]);
    tf.dispose([x, y]);
    net.dispose();
  });

  it('inputs too small for one patch, or with the wrong channels, are ShapeErrors', () => {
    const net = new PatchDiscriminator({ ndf: 2, nLayers: 3 });
    const small = tf.zeros([1, 16, 16, 3]);
    expect(() => net.call(small)).toThrow(ShapeError);
    expect(() => net.call(small)).toThrow(/16x16 is too small for nLayers 3 \(at least 24x24/);
    const channels = tf.zeros([1, 32, 32, 6]);
    expect(() => net.call(channels)).toThrow(/expected 3 input channels/);
    tf.dispose([small, channels]);
    net.dispose();
  });
});
