import { attr, type GraphBuilder, transposeValues, UnsupportedError } from '../graph-builder.js';
import type { TracedKernel, TracedRef } from '../trace.js';
import { activation } from './elementwise.js';
import { type Converter, inputOf, optionalInputOf, outputOf, pair } from './types.js';

/** ONNX pads [top, left, bottom, right] of a tfjs conv or pool on an H×W input. */
export function spatialPads(
  pad: unknown,
  input: [number, number],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number] = [1, 1],
): [number, number, number, number] {
  if (pad === 'valid') return [0, 0, 0, 0];
  if (typeof pad === 'number') return [pad, pad, pad, pad];
  if (pad === 'same') {
    const begin: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < 2; i++) {
      const effective = (kernel[i]! - 1) * dilations[i]! + 1;
      const out = Math.ceil(input[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + effective - input[i]!);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    }
    return [begin[0]!, begin[1]!, end[0]!, end[1]!];
  }
  if (Array.isArray(pad) && pad.length === 4) {
    const [, rows, columns] = pad as [number[], number[], number[]];
    return [rows[0]!, columns[0]!, rows[1]!, columns[1]!];
  }
  throw new UnsupportedError(`padding ${JSON.stringify(pad)}`);
}

function checkNhwc(k: TracedKernel): void {
  const format = k.attrs.dataFormat;
  if (format !== undefined && format !== 'NHWC' && format !== 'channelsLast') {
    throw new UnsupportedError(`${k.name} with dataFormat ${String(format)}`);
  }
}

/** A tfjs filter [kh, kw, a, b] as ONNX's [b, a, kh, kw] (Conv's and ConvTranspose's both). */
function filterInput(b: GraphBuilder, filter: TracedRef): string {
  const perm = [3, 2, 0, 1];
  if (filter.kind === 'constant') {
    return b.tensor(
      transposeValues(filter.values, filter.shape, perm),
      perm.map((p) => filter.shape[p]!),
      'float32',
    );
  }
  const [name] = b.node('Transpose', [b.input(filter, 'nhwc')], { perm: attr.ints(perm) });
  return name!;
}

/** Conv (and the fused bias and activation of FusedConv2D). */
const conv2d: Converter = (b, k) => {
  checkNhwc(k);
  const x = inputOf(k, 'x');
  const filter = inputOf(k, 'filter');
  const [kh, kw] = filter.shape as [number, number];
  const strides = pair(k.attrs.strides, 'strides');
  const dilations = pair(k.attrs.dilations ?? 1, 'dilations');
  const inputs = [b.input(x, 'nchw'), filterInput(b, filter)];
  const bias = optionalInputOf(k, 'bias');
  const cout = filter.shape[3]!;
  const biasIsVector = bias !== undefined && bias.shape.length === 1 && bias.shape[0] === cout;
  if (bias && biasIsVector) inputs.push(b.input(bias, 'nhwc'));
  const [y] = b.node('Conv', inputs, {
    kernel_shape: attr.ints([kh, kw]),
    strides: attr.ints(strides),
    dilations: attr.ints(dilations),
    pads: attr.ints(
      spatialPads(k.attrs.pad, [x.shape[1]!, x.shape[2]!], [kh, kw], strides, dilations),
    ),
    group: attr.int(1),
  });
  let result: string = y!;
  if (bias && !biasIsVector) result = b.node('Add', [result, b.broadcastInput(bias, 'nchw')])[0]!;
  finishFused(b, k, result);
};

/** Depthwise: tfjs's [kh, kw, C, multiplier] as a Conv of C groups. */
const depthwiseConv2d: Converter = (b, k) => {
  checkNhwc(k);
  const x = inputOf(k, 'x');
  const filter = inputOf(k, 'filter');
  const [kh, kw, c, m] = filter.shape as [number, number, number, number];
  let weights: string;
  if (filter.kind === 'constant') {
    weights = b.tensor(
      transposeValues(filter.values, filter.shape, [2, 3, 0, 1]),
      [c * m, 1, kh, kw],
      'float32',
    );
  } else {
    const [t] = b.node('Transpose', [b.input(filter, 'nhwc')], { perm: attr.ints([2, 3, 0, 1]) });
    [weights] = b.node('Reshape', [t!, b.int64([c * m, 1, kh, kw])]) as [string];
  }
  const strides = pair(k.attrs.strides, 'strides');
  const dilations = pair(k.attrs.dilations ?? 1, 'dilations');
  const inputs = [b.input(x, 'nchw'), weights];
  const bias = optionalInputOf(k, 'bias');
  const biasIsVector = bias !== undefined && bias.shape.length === 1 && bias.shape[0] === c * m;
  if (bias && biasIsVector) inputs.push(b.input(bias, 'nhwc'));
  const [y] = b.node('Conv', inputs, {
    kernel_shape: attr.ints([kh, kw]),
    strides: attr.ints(strides),
    dilations: attr.ints(dilations),
    pads: attr.ints(
      spatialPads(k.attrs.pad, [x.shape[1]!, x.shape[2]!], [kh, kw], strides, dilations),
    ),
    group: attr.int(c),
  });
  let result: string = y!;
  if (bias && !biasIsVector) result = b.node('Add', [result, b.broadcastInput(bias, 'nchw')])[0]!;
  finishFused(b, k, result);
};

function finishFused(b: GraphBuilder, k: TracedKernel, y: string): void {
  const out = outputOf(k);
  const kind = (k.attrs.activation as string | undefined) ?? 'linear';
  if (kind === 'linear') {
    b.define(out, y, 'nchw');
    return;
  }
  const prelu = optionalInputOf(k, 'preluActivationWeights');
  const alpha = (k.attrs.leakyreluAlpha as number | undefined) ?? 0.2;
  b.define(out, activation(b, kind, y, prelu, alpha), 'nchw');
}

/**
 * The transposed convolution: tfjs's gradient of a conv with respect to its input, of
 * the forward conv's input shape. ONNX's ConvTranspose makes the full s·(h-1)+k rows;
 * the forward conv's padding is cut from its start and what is left past the input's
 * size from its end (or, when the full output is shorter, zero rows are added there).
 */
const conv2dBackpropInput: Converter = (b, k) => {
  checkNhwc(k);
  const dy = inputOf(k, 'dy');
  const filter = inputOf(k, 'filter');
  const out = outputOf(k);
  const [kh, kw] = filter.shape as [number, number];
  const strides = pair(k.attrs.strides, 'strides');
  const [, height, width] = out.shape as [number, number, number, number];
  const [top, left] = spatialPads(k.attrs.pad, [height, width], [kh, kw], strides);
  const pads = [top, left, 0, 0];
  const outputPadding = [0, 0];
  const sizes = [height, width];
  const kernel = [kh, kw];
  const begins = [top, left];
  for (let i = 0; i < 2; i++) {
    const full = strides[i]! * (dy.shape[1 + i]! - 1) + kernel[i]!;
    const end = full - begins[i]! - sizes[i]!;
    if (end >= 0) pads[2 + i] = end;
    else outputPadding[i] = -end;
  }
  b.emit(out, 'nchw', 'ConvTranspose', [b.input(dy, 'nchw'), filterInput(b, filter)], {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(strides),
    pads: attr.ints(pads),
    output_padding: attr.ints(outputPadding),
    group: attr.int(1),
  });
};

function pool(op: 'MaxPool' | 'AveragePool'): Converter {
  return (b, k) => {
    const x = inputOf(k, 'x');
    if (k.attrs.dimRoundingMode !== undefined && k.attrs.dimRoundingMode !== null) {
      throw new UnsupportedError(
        `${k.name} with dimRoundingMode ${String(k.attrs.dimRoundingMode)}`,
      );
    }
    const size = pair(k.attrs.filterSize, 'filterSize');
    const strides = pair(k.attrs.strides, 'strides');
    const attributes = {
      kernel_shape: attr.ints(size),
      strides: attr.ints(strides),
      pads: attr.ints(spatialPads(k.attrs.pad, [x.shape[1]!, x.shape[2]!], size, strides)),
      // tfjs averages over the window's part inside the image, as count_include_pad 0.
      ...(op === 'AveragePool' ? { count_include_pad: attr.int(0) } : {}),
    };
    b.emit(outputOf(k), 'nchw', op, [b.input(x, 'nchw')], attributes);
  };
}

export const convConverters: Record<string, Converter> = {
  Conv2D: conv2d,
  FusedConv2D: conv2d,
  DepthwiseConv2dNative: depthwiseConv2d,
  FusedDepthwiseConv2D: depthwiseConv2d,
  Conv2DBackpropInput: conv2dBackpropInput,
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
};
