import { readFileSync } from 'node:fs';
import { vggLayerNames } from '@atelier/blocks';
import {
  ArgumentError,
  readSafetensors,
  ShapeError,
  StateDictError,
  tf,
  writeSafetensors,
} from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { contentLoss, gramMatrix, styleLoss, totalVariation } from '@atelier/losses';
import { expect, it } from 'vitest';
import { createGatysLoss, randomNetwork, vggNetwork } from '../src/index.js';
import { relativeError } from './helpers.js';

/** A full torchvision VGG-19 state dict whose first 5 convs are the blocks fixture's (the rest seeded random). */
async function vgg19State(): Promise<{
  state: Record<string, tf.Tensor>;
  fixture: Record<string, tf.Tensor>;
}> {
  const url = new URL('../../blocks/test/fixtures/nets/vgg19.safetensors', import.meta.url);
  const { tensors } = readSafetensors(new Uint8Array(readFileSync(url)));
  const random = await vggNetwork({ depth: 19, seed: 7 });
  random.dispose();
  const state: Record<string, tf.Tensor> = {};
  const widths = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512];
  const names = vggLayerNames(19);
  let conv = 0;
  let cin = 3;
  names.forEach((n, i) => {
    if (!n.startsWith('conv')) return;
    const cout = widths[conv++]!;
    const w = tensors[`state.${i}.weight`];
    state[`features.${i}.weight`] = w
      ? tf.clone(w)
      : tf.randomNormal([cout, cin, 3, 3], 0, 0.05, 'float32', i);
    const b = tensors[`state.${i}.bias`];
    state[`features.${i}.bias`] = b ? tf.clone(b) : tf.zeros([cout]);
    cin = cout;
  });
  return { state, fixture: tensors };
}

describeBackends('feature networks', () => {
  it("vggNetwork matches torchvision's vgg19().features (blocks' fixture), from safetensors bytes", async () => {
    const { state, fixture } = await vgg19State();
    const bytes = await writeSafetensors(state, { layout: 'torch' });
    const net = await vggNetwork({ weights: bytes });
    expect(net.kind).toBe('vgg19');
    expect(net.random).toBe(false);
    const x = tf.transpose(fixture.input!, [0, 2, 3, 1]) as tf.Tensor4D;
    const layers = ['relu1_1', 'relu1_2', 'relu2_1', 'relu2_2', 'relu3_1'];
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => net.features(x, layers));
    expect(tf.memory().numTensors).toBe(before + layers.length);
    for (const l of layers) {
      const expected = tf.transpose(fixture[`output.${l}`]!, [0, 2, 3, 1]);
      expect(await relativeError(out[l]!, expected)).toBeLessThan(1e-4);
      expected.dispose();
    }
    // Average pooling is a per-call choice on the same weights.
    const avg = tf.tidy(() => net.features(x, ['relu2_1'], { pooling: 'avg' }).relu2_1!);
    expect(await relativeError(avg, out.relu2_1!)).toBeGreaterThan(1e-3);
    tf.dispose([...Object.values(out), avg, x, ...Object.values(state), ...Object.values(fixture)]);
    net.dispose();
  });

  it("Caffe preprocessing: the first conv sees BGR × 255 minus Caffe's mean", async () => {
    const { state, fixture } = await vgg19State();
    tf.dispose(Object.values(fixture));
    const net = await vggNetwork({ weights: state, preprocessing: 'caffe' });
    expect(net.presets['neural-style']!.contentWeight).toBe(5);
    const x = tf.randomUniform([1, 6, 6, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const got = tf.tidy(() => net.features(x, ['relu1_1']).relu1_1!);
    const expected = tf.tidy(() => {
      const bgr = tf.sub(tf.mul(tf.reverse(x, 3), 255), tf.tensor1d([103.939, 116.779, 123.68]));
      const w = tf.transpose(state['features.0.weight']!, [2, 3, 1, 0]) as tf.Tensor4D;
      return tf.relu(
        tf.add(tf.conv2d(bgr as tf.Tensor4D, w, 1, 'same'), state['features.0.bias']!),
      );
    });
    expect(await relativeError(got, expected)).toBeLessThan(1e-4);
    tf.dispose([x, got, expected, ...Object.values(state)]);
    net.dispose();
  });

  it('weights of another network or depth are refused with the reason', async () => {
    await expect(vggNetwork({ weights: { 'conv1.conv2d.weight': tf.zeros([1]) } })).rejects.toThrow(
      /no 'features.N.weight' keys of a torchvision VGG/,
    );
    const { state, fixture } = await vgg19State();
    tf.dispose(Object.values(fixture));
    await expect(vggNetwork({ weights: state, depth: 16 })).rejects.toThrow(/weights are VGG-19's/);
    const bad = { ...state, 'features.2.weight': tf.zeros([64, 64, 5, 5]) };
    await expect(vggNetwork({ weights: bad })).rejects.toThrow(StateDictError);
    tf.dispose([...Object.values(state), bad['features.2.weight']]);
  });

  it('VGG refuses images too small for the deepest layer, naming it', async () => {
    const net = await vggNetwork({ depth: 16, seed: 1 });
    const x = tf.zeros([1, 6, 40, 3]) as tf.Tensor4D;
    expect(() => tf.tidy(() => net.features(x, ['relu4_3']))).toThrow(ShapeError);
    expect(() => tf.tidy(() => net.features(x, ['relu4_3']))).toThrow(
      /relu4_3 lies after 3 poolings, so images must be at least 8x8/,
    );
    expect(() => tf.tidy(() => net.features(x, ['relu9_9']))).toThrow(ArgumentError);
    x.dispose();
    net.dispose();
  });

  it('the random network: seeded, layer by filter size and their concatenation', async () => {
    const a = randomNetwork({ seed: 4, sizes: [3, 7], maps: 5 });
    const b = randomNetwork({ seed: 4, sizes: [3, 7], maps: 5 });
    const c = randomNetwork({ seed: 5, sizes: [3, 7], maps: 5 });
    expect(a.layerNames).toEqual(['k3', 'k7', 'all']);
    const x = tf.randomUniform([1, 9, 9, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const fa = tf.tidy(() => a.features(x, ['all', 'k7']));
    const fb = tf.tidy(() => b.features(x, ['all']).all!);
    const fc = tf.tidy(() => c.features(x, ['all']).all!);
    expect(fa.all!.shape).toEqual([1, 9, 9, 10]);
    expect(await relativeError(fa.all!, fb)).toBe(0);
    expect(await relativeError(fa.all!, fc)).toBeGreaterThan(1e-3);
    const tail = tf.slice(fa.all!, [0, 0, 0, 5], [1, 9, 9, 5]);
    expect(await relativeError(tail, fa.k7!)).toBe(0);
    expect(() => a.features(x, ['relu1_1'])).toThrow(/unknown layer .*relu1_1/);
    expect(() => randomNetwork({ sizes: [4] })).toThrow(/odd integers/);
    tf.dispose([x, fa.all!, fa.k7!, fb, fc, tail]);
    for (const n of [a, b, c]) n.dispose();
  });

  it('createGatysLoss: at the content, content 0 and the style and TV terms of @atelier/losses', async () => {
    const network = randomNetwork({ seed: 0, sizes: [3, 5], maps: 6 });
    const content = tf.randomUniform([12, 12, 3], 0, 255, 'float32', 5) as tf.Tensor3D;
    const style = tf.randomUniform([12, 12, 3], 0, 255, 'float32', 6) as tf.Tensor3D;
    const problem = await createGatysLoss({
      content,
      styles: [{ image: style }],
      network,
      size: 12,
      styleWeight: 10,
      tvWeight: 0.5,
    });
    const parts = tf.tidy(() => {
      const p = problem.loss(problem.content);
      return tf.stack([p.content, p.style, p.tv]);
    });
    const expected = tf.tidy(() => {
      const x = problem.content;
      const s = tf.div(tf.expandDims(style, 0), 255) as tf.Tensor4D;
      const fx = network.features(x, ['all']).all!;
      const fs = network.features(s, ['all']).all!;
      return tf.stack([
        contentLoss({ all: fx }, { all: fx }),
        tf.mul(styleLoss({ all: fx }, { all: gramMatrix(fs) }), 10),
        tf.mul(totalVariation(x, { kind: 'squared' }), 0.5),
      ]);
    });
    const [got, want] = [await parts.data(), await expected.data()];
    expect(got[0]).toBe(0);
    expect(Math.abs(got[1]! - want[1]!) / want[1]!).toBeLessThan(1e-4);
    expect(Math.abs(got[2]! - want[2]!) / want[2]!).toBeLessThan(1e-5);
    tf.dispose([parts, expected, content, style]);
    problem.dispose();
    network.dispose();
  });
});
