import { init, StateDictError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { VGG, vggLayerNames } from '../../src/index.js';
import { expectClose, loadNetFixture, maxAbsDiff } from './fixture.js';

describeBackends('VGG matches torchvision vgg19().features', () => {
  it('relu1_1, relu1_2, relu2_1, relu2_2, relu3_1 of a 24x24 input in [0, 1]', async () => {
    const f = loadNetFixture('vgg19');
    const layers = f.config.layers as string[];
    const net = new VGG({ depth: 19, layers });
    // The fixture holds the state of `vgg19().features` itself (keys '0.weight', ...);
    // inside torchvision's whole VGG they are 'features.0.weight', ...
    const state = Object.fromEntries(Object.entries(f.state).map(([k, v]) => [`features.${k}`, v]));
    expect(Object.keys(state)).toContain('features.10.weight');
    net.loadStateDict(state, { from: 'torch' });
    const before = tf.memory().numTensors;
    const out = net.call(f.input);
    expect(tf.memory().numTensors).toBe(before + layers.length);
    expect(Object.keys(out)).toEqual(layers);
    for (const layer of layers) await expectClose(out[layer]!, f.outputs[layer]!);
    tf.dispose(Object.values(out));
    net.dispose();
    f.dispose();
  });
});

describe('VGG construction and loading', () => {
  // Nothing here depends on the backend: run it on cpu, whichever ran last.
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it("numbers layers as torchvision's features", () => {
    const v19 = vggLayerNames(19);
    expect(
      ['relu1_1', 'relu1_2', 'relu2_1', 'relu2_2', 'relu3_1', 'relu4_1', 'relu4_2', 'relu5_1'].map(
        (n) => v19.indexOf(n),
      ),
    ).toEqual([1, 3, 6, 8, 11, 20, 22, 29]);
    expect(v19.length).toBe(37);
    const v16 = vggLayerNames(16);
    expect(['relu1_2', 'relu2_2', 'relu3_3', 'relu4_3'].map((n) => v16.indexOf(n))).toEqual([
      3, 8, 15, 22,
    ]);
    expect(v16.length).toBe(31);
  });

  it('builds only up to the deepest requested layer', () => {
    const net = new VGG({ depth: 16, layers: ['relu2_2', 'relu1_2'] });
    expect(net.features.length).toBe(9);
    const keys = net.namedParameters().map(([k]) => k);
    expect(keys.at(-1)).toBe('features.7.bias');
    // 3->64, 64->64, 64->128, 128->128 convs.
    expect(net.numParameters()).toBe(1792 + 36928 + 73856 + 147584);
    net.dispose();
  });

  it('loads a whole torchvision vgg19 state dict (deeper convs and classifier ignored) strictly', async () => {
    const net = new VGG({ depth: 19, layers: ['relu2_1'] });
    const full: Record<string, tf.Tensor> = {};
    let cin = 3;
    for (const [i, name] of vggLayerNames(19).entries()) {
      if (!name.startsWith('conv')) continue;
      const cout = [64, 128, 256, 512, 512][Number(name[4]) - 1]!;
      // Deeper layers as small stand-ins: only their keys matter, they are not loaded.
      const deep = i > 6;
      full[`features.${i}.weight`] = deep
        ? tf.zeros([1])
        : tf.randomNormal([cout, cin, 3, 3], 0, 1, 'float32', i);
      full[`features.${i}.bias`] = deep
        ? tf.zeros([1])
        : tf.randomNormal([cout], 0, 1, 'float32', i + 100);
      cin = cout;
    }
    for (const i of [0, 3, 6]) {
      full[`classifier.${i}.weight`] = tf.zeros([1]);
      full[`classifier.${i}.bias`] = tf.zeros([1]);
    }
    expect(net.loadStateDict(full, { from: 'torch' })).toEqual({
      missing: [],
      unexpected: [],
      mismatched: [],
    });
    const loaded = net.namedParameters().find(([k]) => k === 'features.5.weight')![1];
    const w = tf.transpose(loaded, [3, 2, 0, 1]);
    expect(await maxAbsDiff(w, full['features.5.weight']!)).toBe(0);
    // A key that is not torchvision's is still refused.
    expect(() =>
      net.loadStateDict({ ...full, 'features.1.weight': tf.zeros([1]) }, { from: 'torch' }),
    ).toThrow(StateDictError);
    tf.dispose([w, ...Object.values(full)]);
    net.dispose();
  });

  it('VGG-19 features have 20,024,384 parameters, VGG-16 14,714,688', () => {
    const v19 = new VGG({ depth: 19, layers: ['relu5_4'] });
    expect(v19.numParameters()).toBe(20_024_384);
    v19.dispose();
    const v16 = new VGG({ depth: 16, layers: ['relu5_3'] });
    expect(v16.numParameters()).toBe(14_714_688);
    v16.dispose();
  });

  it('checks its options', () => {
    expect(() => new VGG({ depth: 19, layers: ['relu9_1'] })).toThrow(
      /unknown layer "relu9_1" for VGG-19; the layers are conv1_1, relu1_1/,
    );
    expect(() => new VGG({ depth: 16, layers: ['relu3_4'] })).toThrow(
      /unknown layer "relu3_4" for VGG-16/,
    );
    expect(() => new VGG({ depth: 18 as never, layers: ['relu1_1'] })).toThrow(
      /depth must be 16 or 19/,
    );
    expect(() => new VGG({ layers: [] })).toThrow(/non-empty array/);
    expect(() => new VGG({ layers: ['relu1_1'], pooling: 'min' as never })).toThrow(
      /pooling must be one of 'max', 'avg'/,
    );
  });

  it("avg pooling averages (neural-style's -pooling avg)", async () => {
    const maxNet = new VGG({ depth: 16, layers: ['pool1'] });
    // Same (default) seed: the same weights in all three.
    const avgNet = new VGG({ depth: 16, layers: ['pool1'], pooling: 'avg' });
    const relu = new VGG({ depth: 16, layers: ['relu1_2'] });
    const x = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 4);
    const a = relu.call(x).relu1_2!;
    const expected = tf.avgPool(a, 2, 2, 'valid');
    const got = avgNet.call(x).pool1!;
    expect(await maxAbsDiff(got, expected)).toBeLessThan(1e-5);
    const max = maxNet.call(x).pool1!;
    expect(max.shape).toEqual([1, 4, 4, 64]);
    const expectedMax = tf.maxPool(a, 2, 2, 'valid');
    expect(await maxAbsDiff(max, expectedMax)).toBeLessThan(1e-5);
    tf.dispose([x, a, expected, got, max, expectedMax]);
    for (const n of [maxNet, avgNet, relu]) n.dispose();
  });
});
