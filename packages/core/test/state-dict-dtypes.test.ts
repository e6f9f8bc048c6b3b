import { expect, it } from 'vitest';
import { buffer, Module, parameter, StateDictError, tf } from '../src/index.js';
import { describeBackends } from '../src/testing/index.js';

class Conv extends Module {
  weight = parameter(tf.fill([3, 3, 2, 4], 0.5), 'conv');
  bias = parameter(tf.zeros([4]));
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(x, this.weight as tf.Tensor4D, 1, 'same').add(this.bias);
  }
}

class Norm extends Module {
  weight = parameter(tf.ones([4]));
  bias = parameter(tf.zeros([4]));
  running_mean = buffer(tf.zeros([4]));
  running_var = buffer(tf.ones([4]));
  num_batches_tracked = buffer(tf.scalar(7, 'int32'));
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return x.sub(this.running_mean).div(this.running_var.add(1e-5).sqrt());
  }
}

class Net extends Module {
  conv = new Conv();
  norm = new Norm();
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.norm.forward(this.conv.forward(x));
  }
}

/** Net's state dict in PyTorch's layout, with values that tell loaded from initial. */
function torchDict(): Record<string, tf.Tensor> {
  return {
    'conv.weight': tf.fill([4, 2, 3, 3], 2),
    'conv.bias': tf.fill([4], 3),
    'norm.weight': tf.fill([4], 4),
    'norm.bias': tf.fill([4], 5),
    'norm.running_mean': tf.fill([4], 6),
    'norm.running_var': tf.fill([4], 7),
    'norm.num_batches_tracked': tf.scalar(9, 'int32'),
  };
}

describeBackends('loadStateDict: dtypes and the batch-norm counter', () => {
  it('refuses integer weights for a float parameter, loading nothing', async () => {
    const net = new Net();
    const dict = torchDict();
    tf.dispose(dict['conv.weight']!);
    dict['conv.weight'] = tf.fill([4, 2, 3, 3], 2, 'int32');
    tf.dispose(dict['norm.running_mean']!);
    dict['norm.running_mean'] = tf.fill([4], 1, 'bool');
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      net.loadStateDict(dict, { from: 'torch' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect((error as Error).message).toMatch(
      /2 of another dtype: conv\.weight \(expected float32, got int32\), norm\.running_mean \(expected float32, got bool\)/,
    );
    expect((error as StateDictError).mistyped).toEqual([
      { key: 'conv.weight', expected: 'float32', got: 'int32' },
      { key: 'norm.running_mean', expected: 'float32', got: 'bool' },
    ]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(await net.conv.bias.data())).toEqual([0, 0, 0, 0]); // nothing loaded
    // Non-strict: the rest loads, the mistyped keys are reported and left alone.
    const result = net.loadStateDict(dict, { from: 'torch', strict: false });
    expect(result.mistyped?.map((m) => m.key)).toEqual(['conv.weight', 'norm.running_mean']);
    expect(Array.from(await net.conv.weight.data()).slice(0, 2)).toEqual([0.5, 0.5]);
    expect(Array.from(await net.conv.bias.data())).toEqual([3, 3, 3, 3]);
    tf.dispose(Object.values(dict));
    net.dispose();
  });

  it('still takes an integer counter saved as float32', async () => {
    const net = new Net();
    const dict = torchDict();
    tf.dispose(dict['norm.num_batches_tracked']!);
    dict['norm.num_batches_tracked'] = tf.scalar(11);
    expect(net.loadStateDict(dict, { from: 'torch' })).toEqual({
      missing: [],
      unexpected: [],
      mismatched: [],
    });
    expect(net.norm.num_batches_tracked.dtype).toBe('int32');
    expect(Array.from(await net.norm.num_batches_tracked.data())).toEqual([11]);
    tf.dispose(Object.values(dict));
    net.dispose();
  });

  it('fills in a missing num_batches_tracked with 0, as PyTorch does, even when strict', async () => {
    const net = new Net();
    const dict = torchDict();
    tf.dispose(dict['norm.num_batches_tracked']!);
    delete dict['norm.num_batches_tracked'];
    const before = tf.memory().numTensors;
    expect(net.loadStateDict(dict, { from: 'torch', strict: true })).toEqual({
      missing: [],
      unexpected: [],
      mismatched: [],
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(await net.norm.num_batches_tracked.data())).toEqual([0]);
    expect(Array.from(await net.norm.running_var.data())).toEqual([7, 7, 7, 7]);
    // Only that counter: a missing running_var is still missing.
    tf.dispose(dict['norm.running_var']!);
    delete dict['norm.running_var'];
    expect(() => net.loadStateDict(dict, { from: 'torch' })).toThrow(
      /1 missing: norm\.running_var$/,
    );
    tf.dispose(Object.values(dict));
    net.dispose();
  });
});
