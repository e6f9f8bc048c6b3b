import { attr, NCHW_AXIS, UnsupportedError } from '../graph-builder.js';
import type { TracedRef } from '../trace.js';
import { elementwiseLayout } from './elementwise.js';
import { type Converter, inputOf, normaliseAxis, outputOf } from './types.js';

/** Reshape runs in NHWC, tfjs's own order, to the shape the trace saw. */
const reshape: Converter = (b, k) => {
  const out = outputOf(k);
  b.emit(out, 'nhwc', 'Reshape', [b.input(inputOf(k, 'x'), 'nhwc'), b.int64(out.shape)]);
};

const transpose: Converter = (b, k) => {
  b.emit(outputOf(k), 'nhwc', 'Transpose', [b.input(inputOf(k, 'x'), 'nhwc')], {
    perm: attr.ints(k.attrs.perm as number[]),
  });
};

const concat: Converter = (b, k) => {
  const out = outputOf(k);
  const layout = elementwiseLayout(b, k);
  const rank = out.shape.length;
  const rawAxis = k.attrs.axis as number | number[];
  let axis = normaliseAxis(Array.isArray(rawAxis) ? rawAxis[0]! : rawAxis, rank);
  if (layout === 'nchw') axis = NCHW_AXIS[axis]!;
  // tfjs drops empty tensors from a concat before the kernel; so does this.
  const parts = k.inputs.map(([, r]) => r).filter((r: TracedRef) => r.shape.every((d) => d > 0));
  b.emit(
    out,
    layout,
    'Concat',
    parts.map((r) => b.input(r, layout)),
    { axis: attr.int(axis) },
  );
};

/** An NHWC per-axis list in the order of `layout`. */
function inLayout<T>(values: T[], nchw: boolean): T[] {
  return nchw ? [values[0]!, values[3]!, values[1]!, values[2]!] : values;
}

const slice: Converter = (b, k) => {
  const x = inputOf(k, 'x');
  const out = outputOf(k);
  const rank = x.shape.length;
  const rawBegin = k.attrs.begin as number | number[];
  const begin = Array.from({ length: rank }, (_, i) =>
    typeof rawBegin === 'number' ? (i === 0 ? rawBegin : 0) : (rawBegin[i] ?? 0),
  );
  // The output's shape is the slice's size, with -1 resolved.
  const end = begin.map((s, i) => s + out.shape[i]!);
  const layout = elementwiseLayout(b, k);
  const nchw = layout === 'nchw';
  b.emit(out, layout, 'Slice', [
    b.input(x, layout),
    b.int64(inLayout(begin, nchw)),
    b.int64(inLayout(end, nchw)),
    b.int64(Array.from({ length: rank }, (_, i) => i)),
  ]);
};

/** ONNX Pad's [begin..., end...] from tfjs's [[before, after], ...]. */
function padsOf(paddings: number[][], nchw: boolean): number[] {
  const ordered = inLayout(paddings, nchw);
  return [...ordered.map((p) => p[0]!), ...ordered.map((p) => p[1]!)];
}

const padV2: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  const x = inputOf(k, 'x');
  const pads = padsOf(k.attrs.paddings as number[][], layout === 'nchw');
  b.emit(outputOf(k), layout, 'Pad', [
    b.input(x, layout),
    b.int64(pads),
    b.scalar((k.attrs.constantValue as number | undefined) ?? 0),
  ]);
};

const mirrorPad: Converter = (b, k) => {
  if (k.attrs.mode !== 'reflect') {
    // ONNX's Pad has reflect and edge but not TensorFlow's symmetric mirror.
    throw new UnsupportedError(`MirrorPad in mode ${String(k.attrs.mode)}`);
  }
  const layout = elementwiseLayout(b, k);
  const pads = padsOf(k.attrs.paddings as number[][], layout === 'nchw');
  b.emit(outputOf(k), layout, 'Pad', [b.input(inputOf(k, 'x'), layout), b.int64(pads)], {
    mode: attr.string('reflect'),
  });
};

function reduce(op: string): Converter {
  return (b, k) => {
    const x = inputOf(k, 'x');
    const rank = x.shape.length;
    // Max names its axes reductionIndices; the other reductions, axis.
    const raw = (k.attrs.axis ?? k.attrs.reductionIndices) as number | number[] | null | undefined;
    const axes =
      raw === null || raw === undefined
        ? Array.from({ length: rank }, (_, i) => i)
        : (Array.isArray(raw) ? raw : [raw]).map((a) => normaliseAxis(a, rank));
    const keep = Boolean(k.attrs.keepDims);
    // With keepDims the rank stays 4 and NCHW can be kept; without, NHWC order matters.
    const layout = keep && rank === 4 && b.layoutOf(x) === 'nchw' ? 'nchw' : 'nhwc';
    const onnxAxes = layout === 'nchw' ? axes.map((a) => NCHW_AXIS[a]!) : axes;
    const input = b.input(x, layout);
    if (op === 'ReduceSum') {
      b.emit(outputOf(k), layout, op, [input, b.int64(onnxAxes)], {
        keepdims: attr.int(keep ? 1 : 0),
      });
    } else {
      b.emit(outputOf(k), layout, op, [input], {
        axes: attr.ints(onnxAxes),
        keepdims: attr.int(keep ? 1 : 0),
      });
    }
  };
}

const softmax: Converter = (b, k) => {
  const logits = inputOf(k, 'logits');
  const dim = normaliseAxis((k.attrs.dim as number | undefined) ?? -1, logits.shape.length);
  b.emit(outputOf(k), 'nhwc', 'Softmax', [b.input(logits, 'nhwc')], { axis: attr.int(dim) });
};

const batchMatMul: Converter = (b, k) => {
  const operand = (name: 'a' | 'b', flag: unknown): string => {
    const r = inputOf(k, name);
    const input = b.input(r, 'nhwc');
    if (!flag) return input;
    const rank = r.shape.length;
    const perm = Array.from({ length: rank }, (_, i) => i);
    [perm[rank - 1], perm[rank - 2]] = [perm[rank - 2]!, perm[rank - 1]!];
    return b.node('Transpose', [input], { perm: attr.ints(perm) })[0]!;
  };
  b.emit(outputOf(k), 'nhwc', 'MatMul', [
    operand('a', k.attrs.transposeA),
    operand('b', k.attrs.transposeB),
  ]);
};

const split: Converter = (b, k) => {
  const x = inputOf(k, 'x');
  const rank = x.shape.length;
  const layout = rank === 4 && b.layoutOf(x) === 'nchw' ? 'nchw' : 'nhwc';
  let axis = normaliseAxis(k.attrs.axis as number, rank);
  const sizes = k.outputs.map((o) => o.shape[axis]!);
  if (layout === 'nchw') axis = NCHW_AXIS[axis]!;
  const names = b.node(
    'Split',
    [b.input(x, layout), b.int64(sizes)],
    { axis: attr.int(axis) },
    k.outputs.length,
  );
  for (const [i, o] of k.outputs.entries()) b.define(o, names[i]!, layout);
};

/** tf.stack: each input given a new axis, then concatenated along it. */
const pack: Converter = (b, k) => {
  const out = outputOf(k);
  const axis = normaliseAxis(k.attrs.axis as number, out.shape.length);
  const parts = k.inputs.map(([, r]) => {
    const shape = [...r.shape.slice(0, axis), 1, ...r.shape.slice(axis)];
    return b.node('Reshape', [b.input(r, 'nhwc'), b.int64(shape)])[0]!;
  });
  b.emit(out, 'nhwc', 'Concat', parts, { axis: attr.int(axis) });
};

/** tf.unstack: a split into ones along the axis, each reshaped without it. */
const unpack: Converter = (b, k) => {
  const x = inputOf(k, 'value');
  const axis = normaliseAxis(k.attrs.axis as number, x.shape.length);
  const count = k.outputs.length;
  const names = b.node(
    'Split',
    [b.input(x, 'nhwc'), b.int64(new Array<number>(count).fill(1))],
    { axis: attr.int(axis) },
    count,
  );
  for (const [i, o] of k.outputs.entries())
    b.emit(o, 'nhwc', 'Reshape', [names[i]!, b.int64(o.shape)]);
};

const tile: Converter = (b, k) => {
  b.emit(outputOf(k), 'nhwc', 'Tile', [
    b.input(inputOf(k, 'x'), 'nhwc'),
    b.int64(k.attrs.reps as number[]),
  ]);
};

/** tf.reverse as a slice with step -1 along each axis. */
const reverse: Converter = (b, k) => {
  const x = inputOf(k, 'x');
  const rank = x.shape.length;
  const raw = k.attrs.dims as number | number[];
  const axes = (Array.isArray(raw) ? raw : [raw]).map((a) => normaliseAxis(a, rank));
  const layout = elementwiseLayout(b, k);
  const onnxAxes = layout === 'nchw' ? axes.map((a) => NCHW_AXIS[a]!) : axes;
  b.emit(outputOf(k), layout, 'Slice', [
    b.input(x, layout),
    b.int64(axes.map(() => -1)),
    // Past the start, whatever the size: INT64_MIN, as ONNX's own reverse idiom.
    b.tensor(BigInt64Array.from(axes.map(() => -(2n ** 63n))), [axes.length], 'int64'),
    b.int64(onnxAxes),
    b.int64(axes.map(() => -1)),
  ]);
};

const gather: Converter = (b, k) => {
  const x = inputOf(k, 'x');
  if (k.attrs.batchDims) throw new UnsupportedError('GatherV2 with batchDims');
  b.emit(
    outputOf(k),
    'nhwc',
    'Gather',
    [b.input(x, 'nhwc'), b.input(inputOf(k, 'indices'), 'nhwc')],
    {
      axis: attr.int(normaliseAxis(k.attrs.axis as number, x.shape.length)),
    },
  );
};

/**
 * tf.scatterND into zeros: ONNX ScatterND with reduction 'add', as tfjs sums the updates
 * that land on the same place. The zeros are made at run time, not stored.
 */
const scatterNd: Converter = (b, k) => {
  const out = outputOf(k);
  const [indices] = b.node('Cast', [b.input(inputOf(k, 'indices'), 'nhwc')], { to: attr.int(7) });
  const [zeros] = b.node('ConstantOfShape', [b.int64(out.shape)], {
    value: {
      type: 'tensor',
      value: { name: 'zero', dtype: 'float32', dims: [1], data: Float32Array.of(0) },
    },
  });
  b.emit(out, 'nhwc', 'ScatterND', [zeros!, indices!, b.input(inputOf(k, 'updates'), 'nhwc')], {
    reduction: attr.string('add'),
  });
};

export const shapeConverters: Record<string, Converter> = {
  Reshape: reshape,
  Transpose: transpose,
  Concat: concat,
  Slice: slice,
  SplitV: split,
  Pack: pack,
  Unpack: unpack,
  Tile: tile,
  Reverse: reverse,
  GatherV2: gather,
  ScatterNd: scatterNd,
  PadV2: padV2,
  MirrorPad: mirrorPad,
  Mean: reduce('ReduceMean'),
  Sum: reduce('ReduceSum'),
  Max: reduce('ReduceMax'),
  Min: reduce('ReduceMin'),
  Prod: reduce('ReduceProd'),
  Softmax: softmax,
  BatchMatMul: batchMatMul,
};
