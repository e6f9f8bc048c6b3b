import { ArgumentError, describe, ShapeError } from '../errors.js';
import { conv2dBackpropInput } from '../kernels/conv-backprop-ops.js';
import { tf } from '../tfjs.js';
import { checkBias, checkFilter, checkImage, type Pads, type Pair, pair } from './conv-args.js';
import { spreadAxis } from './conv-geometry.js';
import { checkGroups, convolve } from './conv2d.js';

export interface Conv2dTransposeOptions {
  /** Upsampling factor: a number or [h, w]; 1 by default. */
  stride?: Pair;
  /**
   * PyTorch's padding: rows/columns removed from each side of the full output (a
   * number, [vertical, horizontal] or [top, bottom, left, right]); 0 ('valid') by
   * default. 'same' gives H*stride outputs, as TensorFlow.
   */
  padding?: 'valid' | 'same' | number | [number, number] | [number, number, number, number];
  /** Extra rows/columns added at the bottom/right (PyTorch's output_padding); 0 by default. */
  outputPadding?: Pair;
  /** Spacing between filter taps: a number or [h, w]; 1 by default. */
  dilation?: Pair;
  /** Channels split into this many independent groups; 1 by default. */
  groups?: number;
  /** Added to every output pixel, shape [Cout]. */
  bias?: tf.Tensor;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** [top, bottom, left, right] cropped from the full output, and any output padding 'same' adds. */
function transposePads(
  op: string,
  padding: unknown,
  effective: [number, number],
  stride: [number, number],
): { pads: Pads; extra: [number, number] } {
  if (padding === undefined || padding === 'valid') return { pads: [0, 0, 0, 0], extra: [0, 0] };
  if (padding === 'same') {
    const axis = (i: 0 | 1): [number, number, number] => {
      const total = Math.max(0, effective[i] - stride[i]);
      const before = Math.floor(total / 2);
      return [before, total - before, Math.max(0, stride[i] - effective[i])];
    };
    const [t, b, eh] = axis(0);
    const [l, r, ew] = axis(1);
    return { pads: [t, b, l, r], extra: [eh, ew] };
  }
  if (isCount(padding)) return { pads: [padding, padding, padding, padding], extra: [0, 0] };
  if (Array.isArray(padding) && padding.every(isCount)) {
    const p = padding as number[];
    if (p.length === 2) return { pads: [p[0]!, p[0]!, p[1]!, p[1]!], extra: [0, 0] };
    if (p.length === 4) return { pads: [p[0]!, p[1]!, p[2]!, p[3]!], extra: [0, 0] };
  }
  throw new ArgumentError(
    `${op}: padding must be 'valid', 'same', an integer >= 0, [vertical, horizontal] or ` +
      `[top, bottom, left, right], got ${describe(padding)}`,
  );
}

/** Pads rows/columns with zeros (positive amounts) or crops them (negative amounts). */
function padOrCrop(x: tf.Tensor4D, [top, bottom, left, right]: Pads): tf.Tensor4D {
  let out = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const t = Math.max(0, -top);
    const l = Math.max(0, -left);
    const [n, h, w, c] = out.shape;
    out = tf.slice(
      out,
      [0, t, l, 0],
      [n, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right), c],
    );
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    out = tf.pad(out, [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ]);
  }
  return out;
}

/**
 * Transposed 2D convolution (the gradient of `conv2d` with respect to its input) of an
 * NHWC tensor by a filter [kh, kw, Cout/groups, Cin] (tfjs's layout; PyTorch's
 * ConvTranspose2d weight [Cin, Cout/groups, kh, kw] transposed to (2, 3, 1, 0)), with
 * PyTorch's semantics: output size (H - 1)*stride - top - bottom + dilation*(k - 1) +
 * outputPadding + 1. Differentiable to second order on cpu, wasm and webgpu.
 */
export function conv2dTranspose(
  x: tf.Tensor,
  w: tf.Tensor,
  options: Conv2dTransposeOptions = {},
): tf.Tensor4D {
  const op = 'conv2dTranspose';
  const [n, h, width, cin] = checkImage(op, 'x', x);
  const [kh, kw, groupOut, filterIn] = checkFilter(op, w, '[kh, kw, Cout/groups, Cin]');
  if (filterIn !== cin) {
    throw new ShapeError(`${op}: the filter takes ${filterIn} input channels, x has ${cin}`);
  }
  const groups = checkGroups(op, options.groups, cin, groupOut * (options.groups ?? 1));
  const cout = groupOut * groups;
  const stride = pair(op, 'stride', options.stride ?? 1, 1);
  const dilation = pair(op, 'dilation', options.dilation ?? 1, 1);
  const outputPadding = pair(op, 'outputPadding', options.outputPadding ?? 0, 0);
  for (const i of [0, 1] as const) {
    if (outputPadding[i] >= Math.max(stride[i], dilation[i])) {
      throw new ArgumentError(
        `${op}: outputPadding must be smaller than stride or dilation, got outputPadding ` +
          `${describe(options.outputPadding)} with stride ${describe(stride)} and dilation ${describe(dilation)}`,
      );
    }
  }
  const effective: [number, number] = [dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1];
  const { pads, extra } = transposePads(op, options.padding, effective, stride);
  const op0 = outputPadding[0] + extra[0];
  const op1 = outputPadding[1] + extra[1];
  const outH = (h - 1) * stride[0] + effective[0] - pads[0] - pads[1] + op0;
  const outW = (width - 1) * stride[1] + effective[1] - pads[2] - pads[3] + op1;
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `${op}: padding [${pads.join(', ')}] leaves no output for a ${h}x${width} input ` +
        `(full output ${(h - 1) * stride[0] + effective[0]}x${(width - 1) * stride[1] + effective[1]})`,
    );
  }
  const bias = checkBias(op, options.bias, cout);
  return tf.tidy(() => {
    const input = x as tf.Tensor4D;
    const filter = w as tf.Tensor4D;
    let y: tf.Tensor4D;
    if (
      groups === 1 &&
      dilation[0] === 1 &&
      dilation[1] === 1 &&
      op0 < stride[0] &&
      op1 < stride[1]
    ) {
      // tfjs's transposed convolution, 'valid', then PyTorch's padding cropped off.
      const fullH = (h - 1) * stride[0] + kh + op0;
      const fullW = (width - 1) * stride[1] + kw + op1;
      const full = conv2dBackpropInput([n, fullH, fullW, cout], input, filter, stride, 'valid');
      y = padOrCrop(full, [-pads[0], -pads[1], -pads[2], -pads[3]]);
    } else {
      // Zeros between input pixels, then a stride-1 convolution by the flipped filter
      // with in/out channels swapped per group.
      const spread = spreadAxis(spreadAxis(input, 1, stride[0]), 2, stride[1]);
      const before: [number, number] = [effective[0] - 1 - pads[0], effective[1] - 1 - pads[2]];
      const padded = padOrCrop(spread, [
        before[0],
        outH + effective[0] - 1 - before[0] - spread.shape[1],
        before[1],
        outW + effective[1] - 1 - before[1] - spread.shape[2],
      ]);
      const perGroup = tf.reshape(filter, [kh, kw, groupOut, groups, cin / groups]);
      const swapped = tf.reshape(tf.transpose(perGroup, [0, 1, 4, 3, 2]), [
        kh,
        kw,
        cin / groups,
        cout,
      ]);
      const flipped = tf.reverse(swapped, [0, 1]) as tf.Tensor4D;
      y = convolve(padded, flipped, groups, [1, 1], dilation, [0, 0, 0, 0]);
    }
    return bias ? tf.add(y, bias) : y;
  });
}
