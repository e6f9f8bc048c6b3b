import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransformerNet } from '@atelier/blocks';
import { readSafetensors, StateDictError, tf, writeSafetensors } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { synthetic } from '@atelier/datasets';
import { expect, it } from 'vitest';
import { gram } from '../src/gatys/gram.js';
import {
  loadTransformer,
  randomNetwork,
  runTransformer,
  trainTransformer,
  transformerBytes,
} from '../src/index.js';
import { relativeError, sample } from './helpers.js';

function nhwc(t: tf.Tensor): tf.Tensor4D {
  return tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D;
}

const blocksFixture = new URL(
  '../../blocks/test/fixtures/nets/transformer.safetensors',
  import.meta.url,
);
const legacyPth = new URL('./fixtures/transformer-legacy.pth', import.meta.url);
const legacyPth0x = new URL('./fixtures/transformer-legacy-0x.pth', import.meta.url);
const legacyOutput = new URL('./fixtures/transformer-legacy-output.safetensors', import.meta.url);

describeBackends('loading and running pytorch/examples TransformerNet weights', () => {
  it("matches PyTorch's output on @atelier/blocks' fixture (converted safetensors bytes)", async () => {
    const { tensors } = readSafetensors(new Uint8Array(readFileSync(blocksFixture)));
    const state: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(tensors)) if (k.startsWith('state.')) state[k.slice(6)] = v;
    // As `atelier convert` writes it: PyTorch names and layouts.
    const bytes = await writeSafetensors(state, { layout: 'torch' });
    const net = await loadTransformer(bytes);
    const x = nhwc(tensors.input!);
    const expected = nhwc(tensors.output!);
    const y = net.call(x);
    expect(await relativeError(y, expected)).toBeLessThan(1e-4);
    tf.dispose([...Object.values(tensors), x, expected, y]);
    net.dispose();
  });

  for (const [what, file] of [
    ['a .pth zip checkpoint', legacyPth],
    ["torch 0.x's legacy format, as the 2017 pretrained files are stored", legacyPth0x],
  ] as const) {
    it(`reads ${what}, drops the legacy in*.running_mean/var keys, and matches PyTorch`, async () => {
      const net = await loadTransformer(file.pathname);
      const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(legacyOutput)));
      expect(metadata.legacy_keys).toBe('30');
      const x = nhwc(tensors.input!);
      const expected = nhwc(tensors.output!);
      const y = net.call(x);
      expect(y.shape).toEqual([1, 20, 28, 3]);
      expect(await relativeError(y, expected)).toBeLessThan(1e-4);
      tf.dispose([...Object.values(tensors), x, expected, y]);
      net.dispose();
    });
  }

  it('runs on any size (cropped back from the multiple of 4), clamps to [0, 255], and round-trips its weights', async () => {
    const net = new TransformerNet({ seed: 3 });
    const image = tf.randomUniform([13, 17, 3], 0, 255, 'float32', 4) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const y = runTransformer(net, image);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(y.shape).toEqual([13, 17, 3]);
    const raw = net.call(tf.expandDims(image, 0) as tf.Tensor4D);
    const expected = tf.tidy(() =>
      tf.squeeze(tf.clipByValue(tf.slice(raw, [0, 0, 0, 0], [1, 13, 17, 3]), 0, 255), [0]),
    );
    expect(await relativeError(y, expected)).toBe(0);
    const again = await loadTransformer(await transformerBytes(net));
    const y2 = runTransformer(again, image);
    expect(await relativeError(y2, y)).toBe(0);
    tf.dispose([image, y, raw, expected, y2]);
    net.dispose();
    again.dispose();
  });

  it("another network's weights are a StateDictError listing the keys", async () => {
    const bytes = await writeSafetensors(
      { 'features.0.weight': tf.zeros([64, 3, 3, 3]) },
      { layout: 'torch' },
    );
    await expect(loadTransformer(bytes)).rejects.toThrow(StateDictError);
    await expect(loadTransformer(bytes)).rejects.toThrow(/conv1\.conv2d\.weight/);
  });
});

describeBackends(
  'trainTransformer',
  (backend) => {
    it('a briefly trained network lowers the perceptual loss on held-out images', async () => {
      const style = await sample('coffee');
      const network = randomNetwork({ seed: 0, sizes: [3, 5, 7], maps: 16 });
      const held = synthetic.seasons({ size: 16, count: 4, seed: 99, range: 'byte' });
      const images: tf.Tensor3D[] = [];
      for (let i = 0; i < 4; i++) {
        const s = (await held.get(i))!;
        s.B.dispose();
        images.push(s.A);
      }
      const heldOut = tf.stack(images) as tf.Tensor4D;
      tf.dispose(images);
      const styleGram = tf.tidy(() =>
        gram(
          network.features(tf.div(tf.expandDims(style, 0), 255) as tf.Tensor4D, ['all']).all!,
          'chw',
        ),
      );
      // Johnson et al.'s perceptual loss (content + style) on the held-out images.
      const perceptual = async (net: TransformerNet) => {
        const v = tf.tidy(() => {
          const y = runTransformer(net, heldOut);
          const fy = network.features(tf.div(y, 255) as tf.Tensor4D, ['all']).all!;
          const fx = network.features(tf.div(heldOut, 255) as tf.Tensor4D, ['all']).all!;
          const content = tf.mean(tf.squaredDifference(fy, fx));
          const styleTerm = tf.mul(tf.mean(tf.squaredDifference(gram(fy, 'chw'), styleGram)), 1e7);
          return tf.add(content, styleTerm);
        });
        const out = (await v.data())[0]!;
        v.dispose();
        return out;
      };
      const untrained = new TransformerNet({ seed: 1 });
      const before = await perceptual(untrained);
      untrained.dispose();
      const tensorsBefore = tf.memory().numTensors;
      const result = await trainTransformer({
        style,
        network,
        data: 'synthetic',
        syntheticCount: 16,
        size: 16,
        batch: 2,
        steps: 20,
        learningRate: 1e-2,
        seed: 1,
      });
      expect(result.step).toBe(20);
      // The trained network is the only thing left behind.
      expect(tf.memory().numTensors).toBe(
        tensorsBefore + result.net.parameters().length + result.net.buffers().length,
      );
      const after = await perceptual(result.net);
      console.log(
        `[${backend}] held-out perceptual loss: ${before.toFixed(1)} -> ${after.toFixed(1)}`,
      );
      expect(after).toBeLessThan(before / 3);
      result.net.dispose();
      tf.dispose([style, heldOut, styleGram]);
      network.dispose();
    });

    it('resumes from its checkpoint exactly: 2 + 2 steps equal 4 steps', async () => {
      const style = tf.randomUniform([16, 16, 3], 0, 255, 'float32', 8) as tf.Tensor3D;
      const network = randomNetwork({ seed: 0, sizes: [3], maps: 8 });
      const dir = mkdtempSync(join(tmpdir(), 'atelier-style-train-'));
      const common = {
        style,
        network,
        syntheticCount: 8,
        size: 16,
        batch: 2,
        learningRate: 1e-2,
        seed: 2,
        checkpointEvery: 1,
      };
      try {
        const first = await trainTransformer({ ...common, steps: 2, out: join(dir, 'a') });
        first.net.dispose();
        const resumed = await trainTransformer({
          ...common,
          steps: 4,
          out: join(dir, 'a'),
          resume: true,
        });
        const straight = await trainTransformer({ ...common, steps: 4, out: join(dir, 'b') });
        expect(resumed.step).toBe(4);
        const a = resumed.net.conv1.conv2d.weight;
        const b = straight.net.conv1.conv2d.weight;
        expect(await relativeError(a, b)).toBeLessThan(1e-6);
        // The saved model loads back as the trained network.
        const loaded = await loadTransformer(resumed.model!);
        expect(
          await relativeError(
            loaded.res3.conv2.conv2d.weight,
            resumed.net.res3.conv2.conv2d.weight,
          ),
        ).toBe(0);
        // And the checkpoint itself loads as a model too.
        const fromCheckpoint = await loadTransformer(join(dir, 'a', 'checkpoint.safetensors'));
        expect(await relativeError(fromCheckpoint.in5.weight!, resumed.net.in5.weight!)).toBe(0);
        for (const n of [resumed.net, straight.net, loaded, fromCheckpoint]) n.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
        style.dispose();
        network.dispose();
      }
    });
  },
  // cpu: tfjs-backend-cpu's Conv2DBackpropFilter alone takes ~6 s of a 10 s training
  // step at 16 px, so training is tested on wasm (and the loop is backend-agnostic).
  { only: ['wasm'] },
);
