import { describe, expect, it } from 'vitest';
import { init, tf } from '../src/index.js';
import {
  conv2dBackpropFilter,
  conv2dBackpropInput,
  depthwiseBackpropFilter,
  depthwiseBackpropInput,
} from '../src/kernels/conv-backprop-ops.js';
import { testBackends } from '../src/testing/index.js';

/**
 * The wasm training kernels (Conv2DBackpropInput, Conv2DBackpropFilter and the depthwise
 * backprops, composed from XNNPACK convolutions) against tfjs's cpu kernels, over
 * strides, paddings (including asymmetric explicit ones and kernels larger than the
 * stride), batches and channel multipliers; and the wasm heap keeps no intermediate.
 */

type Shape4 = [number, number, number, number];
type Pad =
  | 'same'
  | 'valid'
  | [[number, number], [number, number], [number, number], [number, number]];

function values(shape: number[], seed: number): tf.Tensor4D {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    out[i] = (s / 2147483647) * 2 - 1;
  }
  return tf.tensor4d(out, shape as Shape4);
}

const explicit = (t: number, b: number, l: number, r: number): Pad => [
  [0, 0],
  [t, b],
  [l, r],
  [0, 0],
];

const CONV: { x: Shape4; f: Shape4; s: [number, number]; pad: Pad }[] = [
  { x: [1, 7, 7, 3], f: [3, 3, 3, 4], s: [1, 1], pad: 'same' },
  { x: [2, 8, 9, 3], f: [3, 3, 3, 5], s: [2, 2], pad: 'same' },
  { x: [2, 8, 9, 3], f: [4, 4, 3, 5], s: [2, 2], pad: explicit(1, 1, 1, 1) },
  { x: [1, 9, 8, 2], f: [3, 2, 2, 3], s: [2, 3], pad: 'valid' },
  { x: [1, 10, 10, 2], f: [5, 5, 2, 2], s: [3, 3], pad: explicit(0, 3, 2, 1) },
  { x: [1, 6, 6, 2], f: [1, 1, 2, 3], s: [2, 2], pad: 'valid' },
  { x: [3, 5, 4, 6], f: [3, 3, 6, 2], s: [1, 1], pad: explicit(4, 0, 0, 3) },
  { x: [1, 4, 4, 1], f: [7, 7, 1, 1], s: [1, 1], pad: 'same' },
];

const DEPTHWISE: { x: Shape4; f: Shape4; s: [number, number]; pad: Pad; d: [number, number] }[] = [
  { x: [1, 7, 7, 3], f: [3, 3, 3, 1], s: [1, 1], pad: 'same', d: [1, 1] },
  { x: [2, 8, 9, 3], f: [3, 3, 3, 2], s: [2, 2], pad: 'same', d: [1, 1] },
  { x: [1, 10, 10, 2], f: [4, 4, 2, 1], s: [2, 2], pad: explicit(1, 1, 1, 1), d: [1, 1] },
  { x: [2, 9, 7, 2], f: [3, 2, 2, 3], s: [1, 1], pad: explicit(2, 0, 1, 2), d: [2, 3] },
  { x: [3, 6, 6, 4], f: [3, 3, 4, 1], s: [3, 2], pad: 'valid', d: [1, 1] },
];

/** Every kernel's output on each case, flattened, on the current backend. */
async function runAll(dilatedByGrad: boolean): Promise<{ name: string; data: Float32Array }[]> {
  const out: { name: string; data: Float32Array }[] = [];
  for (const c of CONV) {
    const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, 1, c.pad);
    const x = values(c.x, 3);
    const w = values(c.f, 5);
    const dy = values(info.outShape, 7);
    const dx = conv2dBackpropInput(c.x, dy, w, c.s, c.pad);
    const dw = conv2dBackpropFilter(x, dy, c.f, c.s, c.pad);
    out.push({ name: `conv dx ${JSON.stringify(c)}`, data: (await dx.data()) as Float32Array });
    out.push({ name: `conv dw ${JSON.stringify(c)}`, data: (await dw.data()) as Float32Array });
    tf.dispose([x, w, dy, dx, dw]);
  }
  for (const c of DEPTHWISE) {
    const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, c.d, c.pad, undefined, true);
    const x = values(c.x, 3);
    const w = values(c.f, 5);
    const dy = values(info.outShape, 7);
    let dx: tf.Tensor;
    let dw: tf.Tensor;
    if (dilatedByGrad && (c.d[0] > 1 || c.d[1] > 1)) {
      // tfjs's cpu depthwise backprops ignore dilation: the reference there is the
      // gradient of the forward op (through its phase images, see conv-gradients).
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d),
      )([x, w], dy);
      dx = grads[0]!;
      dw = grads[1]!;
    } else {
      dx = depthwiseBackpropInput(c.x, dy, w, c.s, c.d, c.pad);
      dw = depthwiseBackpropFilter(x, dy, c.f, c.s, c.d, c.pad);
    }
    out.push({
      name: `depthwise dx ${JSON.stringify(c)}`,
      data: (await dx.data()) as Float32Array,
    });
    out.push({
      name: `depthwise dw ${JSON.stringify(c)}`,
      data: (await dw.data()) as Float32Array,
    });
    tf.dispose([x, w, dy, dx, dw]);
  }
  return out;
}

describe.skipIf(!testBackends().includes('wasm'))('wasm conv training kernels', () => {
  it('match the cpu kernels', async () => {
    await init({ backend: 'cpu' });
    const want = await runAll(true);
    await init({ backend: 'wasm' });
    const got = await runAll(false);
    expect(got.map((g) => g.name)).toEqual(want.map((w) => w.name));
    for (let i = 0; i < want.length; i++) {
      const a = got[i]!.data;
      const b = want[i]!.data;
      expect(a.length, want[i]!.name).toBe(b.length);
      let worst = 0;
      for (let j = 0; j < b.length; j++)
        worst = Math.max(worst, Math.abs(a[j]! - b[j]!) / (1 + Math.abs(b[j]!)));
      expect(worst, want[i]!.name).toBeLessThan(1e-5);
    }
  });

  it('keep no intermediate on the wasm heap', async () => {
    await init({ backend: 'wasm' });
    const backend = tf.backend() as unknown as { numDataIds(): number };
    await runAll(false); // operator caches and heap warmed up
    const tensors = tf.memory().numTensors;
    const dataIds = backend.numDataIds();
    await runAll(false);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(dataIds);
  });

  it('keep the phase filter of a reused filter until its data is freed, and no longer', async () => {
    await init({ backend: 'cpu' });
    const x = tf.randomNormal([1, 5, 6, 8], 0, 1, 'float32', 11);
    const w0 = tf.randomNormal([4, 4, 3, 8], 0, 1, 'float32', 12);
    const w1 = tf.randomNormal([4, 4, 3, 8], 0, 1, 'float32', 13);
    const convT = (w: tf.Tensor) =>
      tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 10, 12, 3], 2, 'same');
    const want = [await convT(w0).data(), await convT(w1).data()];
    await init({ backend: 'wasm' });
    const backend = tf.backend() as unknown as { numDataIds(): number };
    // Variables share the data of the tensor they are made from: give v its own.
    const own = (w: tf.Tensor) => tf.tidy(() => tf.mul(w, 1));
    const first = own(w0);
    const v = tf.variable(first);
    first.dispose();
    await convT(w1).data(); // warms the heap and the operator caches
    const base = backend.numDataIds();
    const runs: Float32Array[] = [];
    for (let i = 0; i < 3; i++) {
      const y = convT(v);
      runs.push((await y.data()) as Float32Array);
      y.dispose();
    }
    // From the second run on one phase filter is kept for v.
    expect(backend.numDataIds()).toBe(base + 1);
    for (const r of runs) expect(Array.from(r)).toEqual(Array.from(runs[0]!));
    const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Array.from(a).every((value, i) => Math.abs(value - b[i]!) <= 1e-4 * (1 + Math.abs(b[i]!)));
    expect(close(runs[0]!, want[0]!)).toBe(true);
    // New weights (as an optimizer assigns them) free the old data and its phase filter.
    const next = own(w1);
    v.assign(next);
    next.dispose();
    expect(backend.numDataIds()).toBe(base);
    for (let i = 0; i < 2; i++) {
      const y = convT(v);
      expect(close(await y.data(), want[1]!)).toBe(true);
      y.dispose();
    }
    expect(backend.numDataIds()).toBe(base + 1);
    v.dispose(); // its data and phase filter
    expect(backend.numDataIds()).toBe(base - 1);
    tf.dispose([x, w0, w1]);
  });

  it('are the kernels registered for wasm', () => {
    for (const name of [
      'Conv2DBackpropInput',
      'Conv2DBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter',
    ]) {
      expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    }
  });
});
