import { expect, it } from 'vitest';
import { ArgumentError, ops, ShapeError, tf } from '../src/index.js';
import { describeBackends } from '../src/testing/index.js';

/**
 * ops.conv2d and friends: the course's dilated receptive fields, closed-form values,
 * memory, and the errors bad arguments get.
 */

/** Rows and columns spanned by the nonzero entries of an NHWC single-image gradient. */
async function extent(g: tf.Tensor): Promise<{ rows: number; cols: number; count: number }> {
  const [, h, w, c] = g.shape as [number, number, number, number];
  const data = await g.data();
  let top = h;
  let bottom = -1;
  let left = w;
  let right = -1;
  let count = 0;
  for (let r = 0; r < h; r++) {
    for (let q = 0; q < w; q++) {
      for (let k = 0; k < c; k++) {
        if (data[(r * w + q) * c + k] !== 0) {
          count++;
          top = Math.min(top, r);
          bottom = Math.max(bottom, r);
          left = Math.min(left, q);
          right = Math.max(right, q);
        }
      }
    }
  }
  return { rows: bottom - top + 1, cols: right - left + 1, count };
}

describeBackends('conv ops', (backend) => {
  it('3x3 convolutions with dilations 1, 2, 4 see 3x3, 7x7 and 15x15 inputs', async () => {
    const size = backend === 'webgpu' ? 17 : 31;
    const center = (size - 1) / 2;
    const x = tf.ones([1, size, size, 1]);
    // Positive weights: no cancellation can hide a pixel of the receptive field.
    const w = tf.fill([3, 3, 1, 1], 0.5);
    const oneHot = tf.tidy(() =>
      tf
        .oneHot(tf.tensor1d([center * size + center], 'int32'), size * size)
        .reshape([1, size, size, 1]),
    );
    const seen: { rows: number; cols: number; count: number }[] = [];
    const dilations = [1, 2, 4];
    for (let depth = 1; depth <= dilations.length; depth++) {
      const g = tf.grad((input: tf.Tensor) => {
        let y = input;
        for (const d of dilations.slice(0, depth))
          y = ops.conv2d(y, w, { dilation: d, padding: d });
        return tf.sum(tf.mul(y, oneHot));
      })(x);
      seen.push(await extent(g));
      g.dispose();
    }
    expect(seen).toEqual([
      { rows: 3, cols: 3, count: 9 },
      { rows: 7, cols: 7, count: 49 },
      { rows: 15, cols: 15, count: 225 },
    ]);
    tf.dispose([x, w, oneHot]);
  });

  it('stride 2 with dilation 2 is a plain conv of the even pixels (closed form)', async () => {
    const x = tf.tensor4d(
      Array.from({ length: 49 }, (_, i) => i),
      [1, 7, 7, 1],
    );
    // A 3x3 filter with one tap at the bottom right: y[i, j] = x[2i + 4, 2j + 4].
    const w = tf.tensor4d([0, 0, 0, 0, 0, 0, 0, 0, 1], [3, 3, 1, 1]);
    const y = ops.conv2d(x, w, { stride: 2, dilation: 2 });
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(await y.data())).toEqual([32, 34, 46, 48]);
    tf.dispose([x, w, y]);
  });

  it('conv2dTranspose k4 s2 p1 doubles the size and is the adjoint of conv2d', async () => {
    // <conv2d(a, w), b> = <a, conv2dTranspose(b, w)> with the same stride and padding.
    const a = tf.randomNormal([2, 8, 6, 3], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2, 4, 3, 5], 0, 1, 'float32', 2);
    const w = tf.randomNormal([4, 4, 3, 5], 0, 1, 'float32', 3);
    const forward = ops.conv2d(a, w, { stride: 2, padding: 1 });
    const back = ops.conv2dTranspose(b, w, { stride: 2, padding: 1 });
    expect(forward.shape).toEqual([2, 4, 3, 5]);
    expect(back.shape).toEqual([2, 8, 6, 3]);
    const lhs = (await tf.sum(tf.mul(forward, b)).data())[0]!;
    const rhs = (await tf.sum(tf.mul(a, back)).data())[0]!;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3 * Math.max(1, Math.abs(lhs)));
    tf.dispose([a, b, w, forward, back]);
  });

  it('leaves no tensor behind, forward or backward', async () => {
    const x = tf.randomNormal([1, 6, 6, 4]);
    const w = tf.randomNormal([3, 3, 2, 4]);
    const wt = tf.randomNormal([3, 3, 2, 4]);
    const before = tf.memory().numTensors;
    const y = ops.conv2d(x, w, {
      groups: 2,
      stride: 2,
      dilation: 2,
      padding: 2,
      padMode: 'reflect',
    });
    y.dispose();
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        ops.conv2dTranspose(ops.conv2d(a, b, { groups: 2, padding: 1 }), wt, {
          stride: 2,
          groups: 2,
        }),
      ),
    )([x, w]);
    tf.dispose(grads);
    const second = tf.grad((a: tf.Tensor) =>
      tf.sum(
        tf.square(
          tf.grad((b: tf.Tensor) =>
            tf.sum(tf.square(ops.conv2d(b, w, { groups: 2, dilation: 2, padding: 'same' }))),
          )(a),
        ),
      ),
    )(x);
    second.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, wt]);
  });

  it('says what was expected and what came', () => {
    const x = tf.zeros([1, 5, 5, 4]);
    const w = tf.zeros([3, 3, 4, 8]);
    expect(() => ops.conv2d(x, tf.zeros([3, 3, 3, 8]))).toThrow(ShapeError);
    expect(() => ops.conv2d(x, tf.zeros([3, 3, 2, 6]), { groups: 4 })).toThrow(/groups \(4\)/);
    expect(() => ops.conv2d(tf.zeros([5, 5, 4]), w)).toThrow(/NHWC \(rank 4\)/);
    expect(() => ops.conv2d(x, w, { padding: 'full' as 'same' })).toThrow(ArgumentError);
    expect(() => ops.conv2d(x, w, { stride: 0 })).toThrow(/stride must be an integer >= 1/);
    expect(() => ops.conv2d(x, w, { padMode: 'circular' as 'zeros' })).toThrow(ArgumentError);
    expect(() => ops.conv2d(x, w, { bias: tf.zeros([4]) })).toThrow(/bias must have shape \[8\]/);
    expect(() => ops.conv2d(x, tf.zeros([7, 7, 4, 8]))).toThrow(/does not fit/);
    expect(() => ops.conv2d(x, w, { padding: 5, padMode: 'reflect' })).toThrow(/reflect padding/);
    expect(() =>
      ops.conv2dTranspose(x, tf.zeros([3, 3, 2, 4]), { stride: 2, outputPadding: 2 }),
    ).toThrow(/outputPadding must be smaller/);
    expect(() => ops.conv2dTranspose(x, tf.zeros([3, 3, 2, 3]))).toThrow(/input channels/);
    expect(() => ops.depthwiseConv2d(x, tf.zeros([3, 3, 3, 1]))).toThrow(/for 3 channels/);
    tf.dispose([x, w]);
  });
});
