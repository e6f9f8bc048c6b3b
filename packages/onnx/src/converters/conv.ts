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
  return b.memo(`filter/${filter.id}/oihw`, () => {
    const [name] = b.node('Transpose', [b.input(filter, 'nhwc')], { perm: attr.ints(perm) });
    return name!;
  });
}

/**
 * An ONNX Conv of `groups` groups with `weights` ([Cout, Cin/groups, kh, kw]), then the
 * fused bias and activation of FusedConv2D / FusedDepthwiseConv2D when there are any.
 */
function convolution(
  b: GraphBuilder,
  k: TracedKernel,
  weights: string,
  groups: number,
  cout: number,
): void {
  checkNhwc(k);
  const x = inputOf(k, 'x');
  const [kh, kw] = inputOf(k, 'filter').shape as [number, number];
  const strides = pair(k.attrs.strides, 'strides');
  const dilations = pair(k.attrs.dilations ?? 1, 'dilations');
  const inputs = [b.input(x, 'nchw'), weights];
  const bias = optionalInputOf(k, 'bias');
  const biasIsVector = bias !== undefined && bias.shape.length === 1 && bias.shape[0] === cout;
  if (bias && biasIsVector) inputs.push(b.input(bias, 'nhwc'));
  const [y] = b.node('Conv', inputs, {
    kernel_shape: attr.ints([kh, kw]),
    strides: attr.ints(strides),
    dilations: attr.ints(dilations),
    pads: attr.ints(
      spatialPads(k.attrs.pad, [x.shape[1]!, x.shape[2]!], [kh, kw], strides, dilations),
    ),
    group: attr.int(groups),
  });
  let result: string = y!;
  if (bias && !biasIsVector) result = b.node('Add', [result, b.broadcastInput(bias, 'nchw')])[0]!;
  finishFused(b, k, result);
}

/** Conv2D and FusedConv2D. */
const conv2d: Converter = (b, k) => {
  const filter = inputOf(k, 'filter');
  convolution(b, k, filterInput(b, filter), 1, filter.shape[3]!);
};

/** Depthwise: tfjs's [kh, kw, C, multiplier] as a Conv of C groups. */
const depthwiseConv2d: Converter = (b, k) => {
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
  convolution(b, k, weights, c, c * m);
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
  if (strides[0] === 1 && strides[1] === 1) {
    flippedFilterConv(b, k, [height, width]);
    return;
  }
  const { pads, outputPadding } = transposedPadding(
    k.attrs.pad,
    dy,
    [height, width],
    [kh, kw],
    strides,
  );
  b.emit(out, 'nchw', 'ConvTranspose', [b.input(dy, 'nchw'), filterInput(b, filter)], {
    kernel_shape: attr.ints([kh, kw]),
    strides: attr.ints(strides),
    pads: attr.ints(pads),
    output_padding: attr.ints(outputPadding),
    group: attr.int(1),
  });
};

/**
 * A stride-1 input gradient as a Conv of dy with the filter flipped in space and its
 * in/out channels swapped: onnxruntime runs it about 1.8× faster than the ConvTranspose
 * (bench suite conv-grad, 3×3 on 1×64×128×128, quiet: 4.3 ms against 7.6; PyTorch 4.4).
 */
function flippedFilterConv(b: GraphBuilder, k: TracedKernel, size: [number, number]): void {
  const dy = inputOf(k, 'dy');
  const filter = inputOf(k, 'filter');
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const [top, left, bottom, right] = spatialPads(k.attrs.pad, size, [kh, kw], [1, 1]);
  const pads = [kh - 1 - top, kw - 1 - left, kh - 1 - bottom, kw - 1 - right];
  if (pads.some((p) => p < 0)) throw new UnsupportedError(`${k.name} with padding past the kernel`);
  let weights: string;
  if (filter.kind === 'constant') {
    const swapped = transposeValues(filter.values, filter.shape, [2, 3, 0, 1]);
    const flipped = new Float32Array(swapped.length);
    const area = kh * kw;
    for (let i = 0; i < cin * cout; i++)
      for (let j = 0; j < area; j++) flipped[i * area + j] = swapped[i * area + (area - 1 - j)]!;
    weights = b.tensor(flipped, [cin, cout, kh, kw], 'float32');
  } else {
    weights = b.memo(`filter/${filter.id}/flipped`, () => {
      const [swapped] = b.node('Transpose', [b.input(filter, 'nhwc')], {
        perm: attr.ints([2, 3, 0, 1]),
      });
      return b.node('Slice', [
        swapped!,
        b.int64([-1, -1]),
        b.int64([-kh - 1, -kw - 1]),
        b.int64([2, 3]),
        b.int64([-1, -1]),
      ])[0]!;
    });
  }
  b.emit(outputOf(k), 'nchw', 'Conv', [b.input(dy, 'nchw'), weights], {
    kernel_shape: attr.ints([kh, kw]),
    pads: attr.ints(pads),
  });
}

/**
 * Output rows per im2col tile. Measured on a quiet machine one im2col was faster (6.8 ms
 * against 7.7 in 4 MB tiles); under load the tiles were (78.9 against 98.4): only an
 * im2col past 64 MB is tiled, to bound the memory it takes.
 */
function tileRows(rows: number, rowBytes: number): number {
  const whole = rows * rowBytes;
  if (whole <= 64 * 2 ** 20) return rows;
  return Math.max(1, Math.floor((16 * 2 ** 20) / rowBytes));
}

/**
 * The filter gradient, tfjs's [kh, kw, Cin, Cout], as im2col and matrix products: the
 * kh·kw strided slices of the padded input concatenated on channels, times dy. Of the
 * formulations the bench suite conv-grad times (3×3 on 1×64×128×128, quiet machine), one
 * im2col and Gemm was fastest (6.8 ms; in row tiles 7.7, NHWC 9.4, per-tap Gemms 10.0, a
 * Conv with batch and channels swapped 26.9; PyTorch 2.8).
 */
const conv2dBackpropFilter: Converter = (b, k) => {
  checkNhwc(k);
  const x = inputOf(k, 'x');
  const dy = inputOf(k, 'dy');
  const out = outputOf(k);
  const [kh, kw, cin, cout] = out.shape as [number, number, number, number];
  const [n, height, width] = x.shape as [number, number, number, number];
  const [, ho, wo] = dy.shape as [number, number, number, number];
  const [sh, sw] = pair(k.attrs.strides, 'strides');
  const dilations = pair(k.attrs.dilations ?? 1, 'dilations');
  if (dilations[0] !== 1 || dilations[1] !== 1)
    throw new UnsupportedError(`${k.name} with dilations ${JSON.stringify(k.attrs.dilations)}`);
  const [top, left, bottom, right] = spatialPads(k.attrs.pad, [height, width], [kh, kw], [sh, sw]);
  const [padded] = b.node('Pad', [
    b.input(x, 'nchw'),
    b.int64([0, 0, top, left, 0, 0, bottom, right]),
  ]);
  const taps = kh * kw * cin;
  const dyNchw = b.input(dy, 'nchw');
  /** The im2col of output rows [r0, r0 + rows): [N, kh·kw·Cin, rows, Wo]. */
  const im2col = (r0: number, rows: number) => {
    const parts: string[] = [];
    for (let a = 0; a < kh; a++)
      for (let c = 0; c < kw; c++) {
        const start = [r0 * sh + a, c];
        const end = [start[0]! + (rows - 1) * sh + 1, c + (wo - 1) * sw + 1];
        parts.push(
          b.node('Slice', [
            padded!,
            b.int64(start),
            b.int64(end),
            b.int64([2, 3]),
            b.int64([sh, sw]),
          ])[0]!,
        );
      }
    return b.node('Concat', parts, { axis: attr.int(1) })[0]!;
  };
  let product: string;
  if (n === 1) {
    const rows = tileRows(ho, wo * taps * 4);
    const sums: string[] = [];
    for (let r0 = 0; r0 < ho; r0 += rows) {
      const count = Math.min(rows, ho - r0);
      const cols = b.node('Reshape', [im2col(r0, count), b.int64([taps, count * wo])])[0]!;
      const rowsOfDy =
        count === ho
          ? dyNchw
          : b.node('Slice', [dyNchw, b.int64([r0]), b.int64([r0 + count]), b.int64([2])])[0]!;
      const d = b.node('Reshape', [rowsOfDy, b.int64([cout, count * wo])])[0]!;
      sums.push(b.node('Gemm', [d, cols], { transB: attr.int(1) })[0]!);
    }
    product = sums.length === 1 ? sums[0]! : b.node('Sum', sums)[0]!;
  } else {
    const cols = b.node('Reshape', [im2col(0, ho), b.int64([n, taps, ho * wo])])[0]!;
    const colsT = b.node('Transpose', [cols], { perm: attr.ints([0, 2, 1]) })[0]!;
    const d = b.node('Reshape', [dyNchw, b.int64([n, cout, ho * wo])])[0]!;
    const perImage = b.node('MatMul', [d, colsT])[0]!;
    product = b.node('ReduceSum', [perImage, b.int64([0])], { keepdims: attr.int(0) })[0]!;
  }
  const [grouped] = b.node('Reshape', [product, b.int64([cout, kh, kw, cin])]);
  b.emit(out, 'nhwc', 'Transpose', [grouped!], { perm: attr.ints([1, 2, 3, 0]) });
};

/**
 * ConvTranspose's pads and output padding that give the gradient, with respect to its
 * H×W input, of a conv or pool with this padding, kernel and strides.
 */
function transposedPadding(
  pad: unknown,
  dy: TracedRef,
  size: [number, number],
  kernel: [number, number],
  strides: [number, number],
): { pads: number[]; outputPadding: number[] } {
  const [top, left] = spatialPads(pad, size, kernel, strides);
  const pads = [top, left, 0, 0];
  const outputPadding = [0, 0];
  const begins = [top, left];
  for (let i = 0; i < 2; i++) {
    const full = strides[i]! * (dy.shape[1 + i]! - 1) + kernel[i]!;
    const end = full - begins[i]! - size[i]!;
    if (end >= 0) pads[2 + i] = end;
    else outputPadding[i] = -end;
  }
  return { pads, outputPadding };
}

/**
 * tfjs's AvgPoolGrad: each window's dy spread evenly over the window's kh·kw places (its
 * full size, padding included, as tfjs does), a transposed depthwise conv of ones.
 */
const avgPoolGrad: Converter = (b, k) => {
  const dy = inputOf(k, 'dy');
  const out = outputOf(k);
  const [, height, width, channels] = out.shape as [number, number, number, number];
  const size = pair(k.attrs.filterSize, 'filterSize');
  const strides = pair(k.attrs.strides, 'strides');
  const { pads, outputPadding } = transposedPadding(
    k.attrs.pad,
    dy,
    [height, width],
    size,
    strides,
  );
  const area = size[0] * size[1];
  const ones = b.tensor(
    new Float32Array(channels * area).fill(1 / area),
    [channels, 1, ...size],
    'float32',
  );
  b.emit(out, 'nchw', 'ConvTranspose', [b.input(dy, 'nchw'), ones], {
    kernel_shape: attr.ints(size),
    strides: attr.ints(strides),
    pads: attr.ints(pads),
    output_padding: attr.ints(outputPadding),
    group: attr.int(channels),
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

/**
 * Max pooling with the flat index of each window's maximum, as tfjs numbers it: NHWC
 * order, ((n·H + h)·W + w)·C + c (the batch term only with includeBatchInIndex). ONNX's
 * MaxPool numbers its maxima in NCHW order, ((n·C + c)·H + h)·W + w: renumbered here.
 */
const maxPoolWithArgmax: Converter = (b, k) => {
  const x = inputOf(k, 'x');
  const [, height, width, channels] = x.shape as [number, number, number, number];
  const size = pair(k.attrs.filterSize, 'filterSize');
  const strides = pair(k.attrs.strides, 'strides');
  const [values, indices] = b.node(
    'MaxPool',
    [b.input(x, 'nchw')],
    {
      kernel_shape: attr.ints(size),
      strides: attr.ints(strides),
      pads: attr.ints(spatialPads(k.attrs.pad, [height, width], size, strides)),
    },
    2,
  );
  const i64 = (v: number) => b.tensor(BigInt64Array.of(BigInt(v)), [], 'int64');
  const div = (a: string, d: number) => b.node('Div', [a, i64(d)])[0]!;
  const mod = (a: string, d: number) => b.node('Mod', [a, i64(d)])[0]!;
  const mul = (a: string, m: number) => b.node('Mul', [a, i64(m)])[0]!;
  const add = (a: string, c: string) => b.node('Add', [a, c])[0]!;
  const w = mod(indices!, width);
  const h = mod(div(indices!, width), height);
  const c = mod(div(indices!, width * height), channels);
  let flat = add(mul(add(mul(h, width), w), channels), c);
  if (k.attrs.includeBatchInIndex) {
    const batch = div(indices!, channels * height * width);
    flat = add(mul(batch, height * width * channels), flat);
  }
  b.define(outputOf(k, 0), values!, 'nchw');
  const [asInt32] = b.node('Cast', [flat], { to: attr.int(6) });
  b.define(outputOf(k, 1), asInt32!, 'nchw');
};

export const convConverters: Record<string, Converter> = {
  Conv2D: conv2d,
  FusedConv2D: conv2d,
  DepthwiseConv2dNative: depthwiseConv2d,
  FusedDepthwiseConv2D: depthwiseConv2d,
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  MaxPool: pool('MaxPool'),
  MaxPoolWithArgmax: maxPoolWithArgmax,
  AvgPool: pool('AveragePool'),
  AvgPoolGrad: avgPoolGrad,
};
