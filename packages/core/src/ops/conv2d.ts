import { ArgumentError, describe, ShapeError } from '../errors.js';
import { tf } from '../tfjs.js';
import {
  checkBias,
  checkFilter,
  checkImage,
  checkPadMode,
  convOutSize,
  gcd,
  type Padding,
  type PadMode,
  type Pads,
  type Pair,
  pair,
  resolvePadding,
} from './conv-args.js';
import { dilateFilter, fitAxis, subsampleAxis } from './conv-geometry.js';
import { groupedConv2d } from './grouped-conv2d.js';
import { pad2d } from './padding.js';

export interface Conv2dOptions {
  /** Step between output pixels: a number or [h, w]; 1 by default. */
  stride?: Pair;
  /** Padding (see `Padding`); 0 by default, as PyTorch. */
  padding?: Padding;
  /** How padded pixels are filled ('zeros' by default), PyTorch's `padding_mode`. */
  padMode?: PadMode;
  /** Spacing between filter taps: a number or [h, w]; 1 by default. */
  dilation?: Pair;
  /** Input and output channels split into this many independent groups; 1 by default. */
  groups?: number;
  /** Added to every output pixel, shape [Cout]. */
  bias?: tf.Tensor;
}

export function checkGroups(op: string, groups: unknown, cin: number, cout: number): number {
  const g = groups ?? 1;
  if (typeof g !== 'number' || !Number.isInteger(g) || g < 1) {
    throw new ArgumentError(`${op}: groups must be an integer >= 1, got ${describe(groups)}`);
  }
  if (cin % g !== 0 || cout % g !== 0) {
    throw new ShapeError(
      `${op}: groups (${g}) must divide the input channels (${cin}) and the output channels (${cout})`,
    );
  }
  return g;
}

/**
 * The convolution proper, on padded-or-not input: makes stride and dilation fit what
 * tfjs runs (one of them 1 on both axes) without changing the result, then dispatches.
 */
export function convolve(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  groups: number,
  stride: [number, number],
  dilation: [number, number],
  pads: Pads,
): tf.Tensor4D {
  let input = x;
  let filter = w;
  let p = pads;
  const s: [number, number] = [...stride];
  const d: [number, number] = [...dilation];
  for (const axis of [0, 1] as const) {
    if (s[axis] === 1 || d[axis] === 1) continue;
    // Stride s and dilation d read only pixels at multiples of g = gcd(s, d): keep those
    // and convolve with stride s/g, dilation d/g, exactly.
    const g = gcd(s[axis], d[axis]);
    if (g === 1) continue;
    if (p.some((v) => v > 0)) {
      input = pad2d(input, p);
      p = [0, 0, 0, 0];
    }
    input = subsampleAxis(input, (axis + 1) as 1 | 2, g);
    s[axis] /= g;
    d[axis] /= g;
  }
  const stridesAreOne = s[0] === 1 && s[1] === 1;
  const dilationsAreOne = d[0] === 1 && d[1] === 1;
  if (!stridesAreOne && !dilationsAreOne) {
    // Coprime stride and dilation (say 2 and 3), or stride on one axis and dilation on
    // the other: spell the dilation out as zeros in the filter.
    filter = dilateFilter(filter, d);
    d[0] = 1;
    d[1] = 1;
  }
  return groupedConv2d(input, filter, groups, s, d, p);
}

/**
 * 2D convolution of an NHWC tensor by a filter [kh, kw, Cin/groups, Cout] (PyTorch's
 * weight [Cout, Cin/groups, kh, kw] transposed to (2, 3, 1, 0)), with PyTorch's
 * semantics for padding (explicit or TensorFlow's 'same'), padding mode, stride,
 * dilation and groups, in any combination. Differentiable to second order (and beyond)
 * on cpu, wasm and webgpu.
 */
export function conv2d(x: tf.Tensor, w: tf.Tensor, options: Conv2dOptions = {}): tf.Tensor4D {
  const op = 'conv2d';
  const [, h, width, cin] = checkImage(op, 'x', x);
  const [kh, kw, groupWidth, cout] = checkFilter(op, w, '[kh, kw, Cin/groups, Cout]');
  const groups = checkGroups(op, options.groups, cin, cout);
  if (groupWidth * groups !== cin) {
    throw new ShapeError(
      `${op}: the filter takes ${groupWidth} input channels per group (${groups} group(s)), ` +
        `so x needs ${groupWidth * groups} channels, got ${describe(x)}`,
    );
  }
  const stride = pair(op, 'stride', options.stride ?? 1, 1);
  const dilation = pair(op, 'dilation', options.dilation ?? 1, 1);
  const padMode = checkPadMode(op, options.padMode);
  const effective: [number, number] = [dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1];
  const pads = resolvePadding(op, options.padding ?? 0, [h, width], effective, stride);
  const outH = convOutSize(h, kh, stride[0], dilation[0], pads[0], pads[1]);
  const outW = convOutSize(width, kw, stride[1], dilation[1], pads[2], pads[3]);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `${op}: a ${kh}x${kw} filter (dilation ${dilation.join('x')}) does not fit the ` +
        `${h}x${width} input padded by [${pads.join(', ')}]`,
    );
  }
  const bias = checkBias(op, options.bias, cout);
  return tf.tidy(() => {
    let input = x as tf.Tensor4D;
    let p = pads;
    if (padMode !== 'zeros' && pads.some((v) => v > 0)) {
      input = pad2d(input, pads, padMode);
      p = [0, 0, 0, 0];
    }
    let y = convolve(input, w as tf.Tensor4D, groups, stride, dilation, p);
    // Subsampling may leave one extra row or column past PyTorch's output size.
    y = fitAxis(fitAxis(y, 1, outH), 2, outW);
    return bias ? tf.add(y, bias) : y;
  });
}
