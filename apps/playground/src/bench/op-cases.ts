import { ops, tf } from '@atelier/core';

/** A convolution case of @atelier/bench's `ops` suite, with the sizes it uses there. */
export interface ConvCase {
  /** The suite's case name, e.g. 'conv3x3/forward'. */
  name: string;
  description: string;
  op: 'conv2d' | 'conv2dTranspose';
  /** Input, NHWC. */
  x: [number, number, number, number];
  cout: number;
  kernel: number;
  stride: number;
  padding: number;
  dilation: number;
  groups: number;
  backward: boolean;
}

type Spec = Omit<ConvCase, 'name' | 'backward' | 'description'> & { key: string; what: string };

// The shapes of packages/bench/src/suites/ops.ts, so the numbers sit beside its results.
const SPECS: Spec[] = [
  {
    key: 'conv3x3',
    what: '3×3 conv, stride 1, padding 1',
    op: 'conv2d',
    x: [1, 128, 128, 64],
    cout: 64,
    kernel: 3,
    stride: 1,
    padding: 1,
    dilation: 1,
    groups: 1,
  },
  {
    key: 'grouped',
    what: '3×3 grouped conv, 32 groups',
    op: 'conv2d',
    x: [1, 64, 64, 128],
    cout: 128,
    kernel: 3,
    stride: 1,
    padding: 1,
    dilation: 1,
    groups: 32,
  },
  {
    key: 'dilated',
    what: '3×3 conv, dilation 2, padding 2',
    op: 'conv2d',
    x: [1, 128, 128, 64],
    cout: 64,
    kernel: 3,
    stride: 1,
    padding: 2,
    dilation: 2,
    groups: 1,
  },
  {
    key: 'transposed',
    what: '4×4 transposed conv, stride 2, padding 1',
    op: 'conv2dTranspose',
    x: [1, 64, 64, 64],
    cout: 64,
    kernel: 4,
    stride: 2,
    padding: 1,
    dilation: 1,
    groups: 1,
  },
];

/** The cases, forward and forward+backward; `scale` shrinks sides and channels (smoke runs). */
export function convCases(scale = 1): ConvCase[] {
  return SPECS.flatMap(({ key, what, ...spec }) => {
    const [n, h, w, c] = spec.x;
    const x: ConvCase['x'] = [n, Math.max(4, h * scale), Math.max(4, w * scale), c];
    const shrink = (v: number) => Math.max(spec.groups, Math.round(v * Math.min(1, scale * 4)));
    const sized = {
      ...spec,
      x: [x[0], x[1], x[2], shrink(c)] as ConvCase['x'],
      cout: shrink(spec.cout),
    };
    return [false, true].map((backward) => ({
      ...sized,
      name: `${key}/${backward ? 'forward+backward' : 'forward'}`,
      description: `${what}, ${sized.x.join('×')} → ${sized.cout}${backward ? ', gradients of input and filter' : ''}`,
      backward,
    }));
  });
}

function outSide(c: ConvCase, side: number): number {
  if (c.op === 'conv2dTranspose') return (side - 1) * c.stride - 2 * c.padding + c.kernel;
  return Math.floor((side + 2 * c.padding - c.dilation * (c.kernel - 1) - 1) / c.stride) + 1;
}

/**
 * Floating-point operations of one run: 2 per multiply-add of the forward pass, three
 * times that with the gradients of input and filter (each costs one forward's worth).
 */
export function convFlops(c: ConvCase): number {
  const [n, h, w, cin] = c.x;
  const forward =
    c.op === 'conv2dTranspose'
      ? 2 * n * h * w * cin * c.cout * c.kernel * c.kernel
      : 2 * n * outSide(c, h) * outSide(c, w) * c.cout * (cin / c.groups) * c.kernel * c.kernel;
  return c.backward ? 3 * forward : forward;
}

/** The inputs of a case on the current backend, and one run of it (outputs the caller's). */
export function prepareConv(c: ConvCase): { run: () => tf.Tensor[]; dispose: () => void } {
  const cin = c.x[3];
  const filter: [number, number, number, number] =
    c.op === 'conv2dTranspose'
      ? [c.kernel, c.kernel, c.cout, cin]
      : [c.kernel, c.kernel, cin / c.groups, c.cout];
  const conv = (x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D =>
    c.op === 'conv2dTranspose'
      ? ops.conv2dTranspose(x, w, { stride: c.stride, padding: c.padding })
      : ops.conv2d(x, w, {
          stride: c.stride,
          padding: c.padding,
          dilation: c.dilation,
          groups: c.groups,
        });
  const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal(filter, 0, 0.05, 'float32', 2) as tf.Tensor4D;
  if (!c.backward) {
    return { run: () => [tf.tidy(() => conv(x, w))], dispose: () => tf.dispose([x, w]) };
  }
  const dy = tf.tidy(() => tf.onesLike(conv(x, w)));
  return {
    run: () =>
      tf.tidy(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => conv(a as tf.Tensor4D, b as tf.Tensor4D))(
          [x, w],
          dy,
        ),
      ),
    dispose: () => tf.dispose([x, w, dy]),
  };
}
