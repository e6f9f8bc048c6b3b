import { ArgumentError, describe, ShapeError } from '../errors.js';
import { tf } from '../tfjs.js';

/** A size per spatial axis: one number for both, or [height, width]. */
export type Pair = number | [number, number];

/**
 * Padding of a convolution: `'valid'` (none), `'same'` (TensorFlow's: ceil(size / stride)
 * outputs, the odd pixel at the bottom/right), one number for every side, [vertical,
 * horizontal] as PyTorch's `padding=(ph, pw)`, or explicit [top, bottom, left, right].
 */
export type Padding =
  | 'valid'
  | 'same'
  | number
  | [number, number]
  | [number, number, number, number];

/** How padded pixels are filled: PyTorch's `padding_mode`. */
export type PadMode = 'zeros' | 'reflect' | 'replicate';

export const PAD_MODES: readonly PadMode[] = ['zeros', 'reflect', 'replicate'];

/** Explicit padding, [top, bottom, left, right]. */
export type Pads = [number, number, number, number];

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

/** Reads a per-axis integer option (stride, dilation, output padding) as [h, w]. */
export function pair(op: string, name: string, value: unknown, min: number): [number, number] {
  if (isCount(value, min)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => isCount(v, min))) {
    const [h, w] = value as [number, number];
    return [h, w];
  }
  throw new ArgumentError(
    `${op}: ${name} must be an integer >= ${min} or [h, w] of such integers, got ${describe(value)}`,
  );
}

/** Checks `x` is a float32 NHWC tensor and returns its shape. */
export function checkImage(op: string, name: string, x: unknown): [number, number, number, number] {
  if (!(x instanceof tf.Tensor)) {
    throw new ArgumentError(
      `${op}: ${name} must be a tensor of shape [N, H, W, C], got ${describe(x)}`,
    );
  }
  if (x.rank !== 4)
    throw new ShapeError(`${op}: ${name} must be NHWC (rank 4), got ${describe(x)}`);
  if (x.dtype !== 'float32')
    throw new ArgumentError(`${op}: ${name} must be float32, got ${x.dtype}`);
  return x.shape as [number, number, number, number];
}

/** Checks a rank-4 float32 filter and returns its shape. */
export function checkFilter(
  op: string,
  w: unknown,
  layout: string,
): [number, number, number, number] {
  if (!(w instanceof tf.Tensor)) {
    throw new ArgumentError(
      `${op}: the filter must be a tensor of shape ${layout}, got ${describe(w)}`,
    );
  }
  if (w.rank !== 4) {
    throw new ShapeError(`${op}: the filter must have rank 4, ${layout}, got ${describe(w)}`);
  }
  if (w.dtype !== 'float32')
    throw new ArgumentError(`${op}: the filter must be float32, got ${w.dtype}`);
  return w.shape as [number, number, number, number];
}

/** Checks an optional bias of shape [channels]. */
export function checkBias(op: string, bias: unknown, channels: number): tf.Tensor1D | undefined {
  if (bias === undefined || bias === null) return undefined;
  if (!(bias instanceof tf.Tensor) || bias.rank !== 1 || bias.shape[0] !== channels) {
    throw new ShapeError(`${op}: bias must have shape [${channels}], got ${describe(bias)}`);
  }
  if (bias.dtype !== 'float32')
    throw new ArgumentError(`${op}: bias must be float32, got ${bias.dtype}`);
  return bias as tf.Tensor1D;
}

export function checkPadMode(op: string, value: unknown): PadMode {
  if (value === undefined) return 'zeros';
  if (typeof value === 'string' && (PAD_MODES as readonly string[]).includes(value)) {
    return value as PadMode;
  }
  throw new ArgumentError(
    `${op}: padMode must be one of ${PAD_MODES.join(', ')}, got ${describe(value)}`,
  );
}

/** TensorFlow's 'same' split of the padding along one axis: the odd pixel goes after. */
function samePads(size: number, effectiveKernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + effectiveKernel - size);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * Resolves a padding option into explicit [top, bottom, left, right] for a convolution
 * of an input of `size` [h, w] by kernels of effective size `effective` [h, w].
 */
export function resolvePadding(
  op: string,
  padding: unknown,
  size: [number, number],
  effective: [number, number],
  stride: [number, number],
): Pads {
  if (padding === undefined || padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    return [
      ...samePads(size[0], effective[0], stride[0]),
      ...samePads(size[1], effective[1], stride[1]),
    ] as Pads;
  }
  if (isCount(padding, 0)) return [padding, padding, padding, padding];
  if (Array.isArray(padding) && padding.every((p) => isCount(p, 0))) {
    const p = padding as number[];
    if (p.length === 2) return [p[0]!, p[0]!, p[1]!, p[1]!];
    if (p.length === 4) return [p[0]!, p[1]!, p[2]!, p[3]!];
  }
  throw new ArgumentError(
    `${op}: padding must be 'same', 'valid', an integer >= 0, [vertical, horizontal] or ` +
      `[top, bottom, left, right], got ${describe(padding)}`,
  );
}

/** The output size of a convolution along one axis (PyTorch's formula). */
export function convOutSize(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  before: number,
  after: number,
): number {
  return Math.floor((size + before + after - dilation * (kernel - 1) - 1) / stride) + 1;
}

export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** tfjs's explicit padding form for a NHWC conv. */
export function explicit(pads: Pads): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [pads[0], pads[1]],
    [pads[2], pads[3]],
    [0, 0],
  ];
}
