import { ArgumentError, rng, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  ConditionalDiscriminator,
  ConditionalGenerator,
  createDiscriminator,
  createGenerator,
  downscale2d,
  fade,
  LabelEmbedding,
  oneHot,
  PatchDiscriminator,
  ProganDiscriminator,
  ProganGenerator,
  parseNetG,
  proganFmaps,
  ResnetGenerator,
  sizeMultiple,
  UnetGenerator,
  upscale2d,
} from '../../src/index.js';

// The GAN papers' networks that moved here from @atelier/gan, checked against values
// computed by hand (the PyTorch parity of their layers stays in gan's tests).

it("parseNetG reads junyanz's --netG names and sizeMultiple the sides they take", () => {
  expect(parseNetG('unet_256', 'test')).toEqual({ kind: 'unet', numDowns: 8 });
  expect(parseNetG('unet_32', 'test')).toEqual({ kind: 'unet', numDowns: 5 });
  expect(parseNetG('resnet_9blocks', 'test')).toEqual({ kind: 'resnet', nBlocks: 9 });
  expect(sizeMultiple({ kind: 'unet', numDowns: 7 })).toBe(128);
  expect(sizeMultiple({ kind: 'resnet', nBlocks: 6 })).toBe(4);
  for (const bad of ['unet_100', 'unet_16', 'resnet_0blocks', 'vgg', 3]) {
    expect(() => parseNetG(bad, 'test')).toThrow(ArgumentError);
  }
});

it('proganFmaps halves the maps from 32 px up, capped at fmapMax', () => {
  // nf(stage) = min(8192 / 2^stage, 512), stage = log2(res) - 1.
  expect([4, 8, 16, 32, 64, 128, 256].map((r) => proganFmaps(r, 8192, 512))).toEqual([
    512, 512, 512, 512, 256, 128, 64,
  ]);
});

describeBackends('the GAN networks moved from gan', () => {
  it('upscale2d repeats each pixel factor x factor; downscale2d averages the blocks back', async () => {
    // [1, 2, 2, 2]: channel 0 is 1..4, channel 1 is 10..40.
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    const up = upscale2d(x);
    expect(up.shape).toEqual([1, 4, 4, 2]);
    const c0 = (await up.data()).filter((_, i) => i % 2 === 0);
    expect(Array.from(c0)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    const back = downscale2d(up);
    expect(Array.from(await back.data())).toEqual([1, 10, 2, 20, 3, 30, 4, 40]);
    const mean = downscale2d(x);
    expect(Array.from(await mean.data())).toEqual([2.5, 25]);
    expect(() => downscale2d(tf.zeros([1, 3, 2, 1]) as tf.Tensor4D)).toThrow(ShapeError);
    tf.dispose([x, up, back, mean]);
  });

  it('fade is alpha*fresh + (1 - alpha)*previous and refuses alpha outside [0, 1]', async () => {
    const previous = tf.tensor1d([0, 4]);
    const fresh = tf.tensor1d([8, 0]);
    const mid = fade(previous, fresh, 0.25);
    expect(Array.from(await mid.data())).toEqual([2, 3]);
    expect(fade(previous, fresh, 1)).toBe(fresh);
    expect(() => fade(previous, fresh, 1.5)).toThrow(ArgumentError);
    tf.dispose([previous, fresh, mid]);
  });

  it('oneHot and LabelEmbedding: one row of the table per label', async () => {
    const labels = tf.tensor1d([2, 0], 'int32');
    const hot = oneHot(labels, 3, 'test');
    expect(await hot.array()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    const embed = new LabelEmbedding(3, 4, 7);
    const rows = embed.forward(labels);
    const table = (await embed.weight.array()) as number[][];
    const got = (await rows.array()) as number[][];
    for (const [i, label] of [2, 0].entries()) {
      for (let j = 0; j < 4; j++) expect(got[i]![j]).toBeCloseTo(table[label]![j]!, 6);
    }
    expect(() => oneHot(tf.tensor1d([1.5]), 3, 'test')).toThrow(ArgumentError);
    expect(() => new LabelEmbedding(0, 4)).toThrow(ArgumentError);
    tf.dispose([labels, hot, rows]);
    embed.dispose();
  });

  it('the conditional generator feeds z and the embedded label to its DCGAN', async () => {
    const G = new ConditionalGenerator({
      numClasses: 3,
      latentDim: 4,
      embedDim: 2,
      ngf: 4,
      outChannels: 1,
      size: 32,
      seed: 1,
    });
    G.eval();
    const z = tf.zeros([2, 4]);
    const labels = tf.tensor1d([0, 1], 'int32');
    const y = G.forward(z, labels);
    expect(y.shape).toEqual([2, 32, 32, 1]);
    // The same z under two labels: the label alone moves the output.
    const [a, b] = tf.split(y, 2);
    const diff = tf.max(tf.abs(tf.sub(a!, b!)));
    expect((await diff.data())[0]!).toBeGreaterThan(1e-4);
    // And equals its DCGAN fed cat(z, embedding) by hand.
    const byHand = G.net.forward(tf.concat([z, G.embed.forward(labels)], 1));
    const gap = tf.max(tf.abs(tf.sub(y, byHand)));
    expect((await gap.data())[0]!).toBeLessThan(1e-5);
    expect(() => G.forward(tf.zeros([2, 5]), labels)).toThrow(ShapeError);
    tf.dispose([z, labels, y, a!, b!, diff, byHand, gap]);
    G.dispose();
  });

  it('the conditional discriminator gives one logit per image', () => {
    const D = new ConditionalDiscriminator({
      numClasses: 3,
      inChannels: 1,
      size: 32,
      ndf: 4,
      seed: 2,
    });
    const logits = D.forward(tf.zeros([2, 32, 32, 1]), tf.tensor1d([0, 2], 'int32'));
    expect(logits.size).toBe(2);
    logits.dispose();
    D.dispose();
  });

  it("ProGAN's G and D run at each level's resolution; alpha 0 is the coarser level upscaled", async () => {
    const G = new ProganGenerator({ size: 16, fmapBase: 32, fmapMax: 8, latentDim: 8, seed: 3 });
    const D = new ProganDiscriminator({ size: 16, fmapBase: 32, fmapMax: 8, seed: 4 });
    const z = rng(5).normal([2, 8]);
    for (const level of [0, 1, 2]) {
      const img = G.forward(z, { level, alpha: 1 });
      expect(img.shape).toEqual([2, 4 * 2 ** level, 4 * 2 ** level, 3]);
      const logits = D.forward(img, { level, alpha: 1 });
      expect(logits.size).toBe(2);
      tf.dispose([img, logits]);
    }
    const faded = G.forward(z, { level: 2, alpha: 0 });
    const coarse = G.forward(z, { level: 1, alpha: 1 });
    const up = upscale2d(coarse);
    const gap = tf.max(tf.abs(tf.sub(faded, up)));
    expect((await gap.data())[0]!).toBeLessThan(1e-5);
    tf.dispose([z, faded, coarse, up, gap]);
    G.dispose();
    D.dispose();
  });

  it("createGenerator and createDiscriminator build junyanz's networks by name", () => {
    const common = { norm: 'instance', initType: 'normal', initGain: 0.02 } as const;
    const unet = createGenerator(
      { ...common, netG: 'unet_32', inChannels: 1, outChannels: 2, ngf: 4, dropout: false },
      rng(0),
    );
    expect(unet).toBeInstanceOf(UnetGenerator);
    const resnet = createGenerator(
      { ...common, netG: 'resnet_2blocks', inChannels: 3, outChannels: 3, ngf: 4, dropout: false },
      rng(0),
    );
    expect(resnet).toBeInstanceOf(ResnetGenerator);
    const D = createDiscriminator(
      { ...common, netD: 'n_layers', inChannels: 3, ndf: 4, nLayersD: 2 },
      rng(0),
    );
    expect(D).toBeInstanceOf(PatchDiscriminator);
    const y = unet.forward(tf.zeros([1, 32, 32, 1]));
    expect(y.shape).toEqual([1, 32, 32, 2]);
    tf.dispose(y);
    for (const m of [unet, resnet, D]) m.dispose();
  });
});
