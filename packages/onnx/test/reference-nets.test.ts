import {
  DCGANDiscriminator,
  type DCGANDiscriminatorOptions,
  DCGANGenerator,
  type DCGANGeneratorOptions,
  PatchDiscriminator,
  type PatchDiscriminatorOptions,
  PixelDiscriminator,
  type PixelDiscriminatorOptions,
  ResnetGenerator,
  type ResnetGeneratorOptions,
  TransformerNet,
  UnetGenerator,
  type UnetGeneratorOptions,
  VGG,
} from '@atelier/blocks';
import { type Module, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { createOnnxSession } from '../src/index.js';
import { expectClose, loadNetFixture, type NetFixture } from './fixtures.js';
import { otherInput } from './helpers.js';

type Build = (f: NetFixture) => Module;

// The blocks' PyTorch fixtures, run by onnxruntime from the ONNX our exporter writes:
// PyTorch's outputs are the reference, not our tfjs forward.
const CASES: [string, Build][] = [
  ['unet-batch', (f) => new UnetGenerator(f.config as UnetGeneratorOptions)],
  ['unet-instance', (f) => new UnetGenerator(f.config as UnetGeneratorOptions)],
  ['resnet-batch', (f) => new ResnetGenerator(f.config as ResnetGeneratorOptions)],
  ['resnet-instance', (f) => new ResnetGenerator(f.config as ResnetGeneratorOptions)],
  ['resnet-dropout', (f) => new ResnetGenerator(f.config as ResnetGeneratorOptions)],
  ['patch-batch', (f) => new PatchDiscriminator(f.config as PatchDiscriminatorOptions)],
  ['patch-instance', (f) => new PatchDiscriminator(f.config as PatchDiscriminatorOptions)],
  ['pixel-batch', (f) => new PixelDiscriminator(f.config as PixelDiscriminatorOptions)],
  ['pixel-instance', (f) => new PixelDiscriminator(f.config as PixelDiscriminatorOptions)],
  ['transformer', () => new TransformerNet()],
  ['dcgan-generator-32', (f) => new DCGANGenerator(f.config as DCGANGeneratorOptions)],
  ['dcgan-discriminator-64', (f) => new DCGANDiscriminator(f.config as DCGANDiscriminatorOptions)],
];

// The trace runs on each backend (weights read back from it); onnxruntime runs the result.
describeBackends('exported networks run by onnxruntime match PyTorch', () => {
  for (const [name, build] of CASES) {
    it(name, async () => {
      const f = loadNetFixture(name);
      const net = build(f);
      net.loadStateDict(f.state, { from: 'torch' });
      const session = await createOnnxSession(net, { threads: 1 });
      // Traced on another input: the fixture's must not be baked into the graph.
      const probe = otherInput(f.input);
      tf.dispose((await session.run(probe)) as tf.Tensor);
      probe.dispose();
      const before = tf.memory().numTensors;
      const y = (await session.run(f.input)) as tf.Tensor;
      expect(tf.memory().numTensors).toBe(before + 1);
      await expectClose(y, f.outputs.output!);
      // Exporting leaves the module as it was: in training mode, as built.
      expect(net.training).toBe(true);
      y.dispose();
      await session.dispose();
      net.dispose();
      f.dispose();
    });
  }

  it('vgg19: a record of layers, as VGG.forward returns', async () => {
    const f = loadNetFixture('vgg19');
    const layers = f.config.layers as string[];
    const net = new VGG({ depth: 19, layers });
    net.loadStateDict(
      Object.fromEntries(Object.entries(f.state).map(([k, v]) => [`features.${k}`, v])),
      { from: 'torch' },
    );
    const session = await createOnnxSession(net, { threads: 1 });
    const probe = otherInput(f.input);
    tf.dispose(Object.values((await session.run(probe)) as Record<string, tf.Tensor>));
    probe.dispose();
    const out = (await session.run(f.input)) as Record<string, tf.Tensor>;
    expect(Object.keys(out)).toEqual(layers);
    for (const layer of layers) await expectClose(out[layer]!, f.outputs[layer]!);
    tf.dispose(Object.values(out));
    await session.dispose();
    net.dispose();
    f.dispose();
  });
});
