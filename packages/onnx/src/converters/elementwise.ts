import { attr, type GraphBuilder, type Layout, UnsupportedError } from '../graph-builder.js';
import type { TracedKernel, TracedRef } from '../trace.js';
import { type Converter, inputOf, outputOf } from './types.js';

/**
 * The layout an element-wise op runs in: NCHW when its output is rank 4 and one of its
 * rank-4 inputs is NCHW already, NHWC otherwise.
 */
export function elementwiseLayout(b: GraphBuilder, k: TracedKernel): Layout {
  if (outputOf(k).shape.length !== 4) return 'nhwc';
  const nchw = k.inputs.some(
    ([, r]) => r.kind === 'value' && r.shape.length === 4 && b.layoutOf(r) === 'nchw',
  );
  return nchw ? 'nchw' : 'nhwc';
}

function binary(op: string): Converter {
  return (b, k) => {
    const layout = elementwiseLayout(b, k);
    const [[, a], [, c]] = k.inputs as [[string, TracedRef], [string, TracedRef]];
    b.emit(outputOf(k), layout, op, [b.broadcastInput(a, layout), b.broadcastInput(c, layout)]);
  };
}

function unary(op: string, attributes: Parameters<GraphBuilder['node']>[2] = {}): Converter {
  return (b, k) => {
    const layout = elementwiseLayout(b, k);
    b.emit(outputOf(k), layout, op, [b.input(inputOf(k, 'x'), layout)], attributes);
  };
}

/** An activation by tfjs's fused-op name, applied to `x` (in NCHW when rank 4). */
export function activation(
  b: GraphBuilder,
  kind: string,
  x: string,
  preluWeights: TracedRef | undefined,
  alpha: number,
): string {
  switch (kind) {
    case 'relu':
      return b.node('Relu', [x])[0]!;
    case 'relu6':
      return b.node('Clip', [x, b.scalar(0), b.scalar(6)])[0]!;
    case 'elu':
      return b.node('Elu', [x], { alpha: attr.float(1) })[0]!;
    case 'sigmoid':
      return b.node('Sigmoid', [x])[0]!;
    case 'leakyrelu':
      return b.node('LeakyRelu', [x], { alpha: attr.float(alpha) })[0]!;
    case 'prelu':
      if (!preluWeights) throw new UnsupportedError('a prelu activation without weights');
      return b.node('PRelu', [x, b.broadcastInput(preluWeights, 'nchw')])[0]!;
    default:
      throw new UnsupportedError(`the fused activation ${kind}`);
  }
}

const square: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  const x = b.input(inputOf(k, 'x'), layout);
  b.emit(outputOf(k), layout, 'Mul', [x, x]);
};

const rsqrt: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  const [root] = b.node('Sqrt', [b.input(inputOf(k, 'x'), layout)]);
  b.emit(outputOf(k), layout, 'Reciprocal', [root!]);
};

const squaredDifference: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  const [[, x], [, y]] = k.inputs as [[string, TracedRef], [string, TracedRef]];
  const [d] = b.node('Sub', [b.broadcastInput(x, layout), b.broadcastInput(y, layout)]);
  b.emit(outputOf(k), layout, 'Mul', [d!, d!]);
};

const clip: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  const min = b.scalar(k.attrs.clipValueMin as number);
  const max = b.scalar(k.attrs.clipValueMax as number);
  b.emit(outputOf(k), layout, 'Clip', [b.input(inputOf(k, 'x'), layout), min, max]);
};

const relu6: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  b.emit(outputOf(k), layout, 'Clip', [b.input(inputOf(k, 'x'), layout), b.scalar(0), b.scalar(6)]);
};

const leakyRelu: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  b.emit(outputOf(k), layout, 'LeakyRelu', [b.input(inputOf(k, 'x'), layout)], {
    alpha: attr.float(k.attrs.alpha as number),
  });
};

const prelu: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  b.emit(outputOf(k), layout, 'PRelu', [
    b.input(inputOf(k, 'x'), layout),
    b.broadcastInput(inputOf(k, 'alpha'), layout),
  ]);
};

/** tfjs dtypes as TensorProto.DataType. */
const CAST_TO: Record<string, number> = { float32: 1, int32: 6, bool: 9 };

const cast: Converter = (b, k) => {
  const to = CAST_TO[k.attrs.dtype as string];
  if (to === undefined) throw new UnsupportedError(`a cast to ${String(k.attrs.dtype)}`);
  const layout = elementwiseLayout(b, k);
  b.emit(outputOf(k), layout, 'Cast', [b.input(inputOf(k, 'x'), layout)], { to: attr.int(to) });
};

const log1p: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  const [shifted] = b.node('Add', [b.input(inputOf(k, 'x'), layout), b.scalar(1)]);
  b.emit(outputOf(k), layout, 'Log', [shifted!]);
};

/** tf.addN: ONNX's variadic Sum. */
const addN: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  b.emit(
    outputOf(k),
    layout,
    'Sum',
    k.inputs.map(([, r]) => b.broadcastInput(r, layout)),
  );
};

const select: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  b.emit(outputOf(k), layout, 'Where', [
    b.broadcastInput(inputOf(k, 'condition'), layout),
    b.broadcastInput(inputOf(k, 't'), layout),
    b.broadcastInput(inputOf(k, 'e'), layout),
  ]);
};

/** tf.step: 1 where x > 0, alpha elsewhere (the relu's derivative at alpha 0). */
const step: Converter = (b, k) => {
  const layout = elementwiseLayout(b, k);
  const [positive] = b.node('Greater', [b.input(inputOf(k, 'x'), layout), b.scalar(0)]);
  const alpha = (k.attrs.alpha as number | undefined) ?? 0;
  b.emit(outputOf(k), layout, 'Where', [positive!, b.scalar(1), b.scalar(alpha)]);
};

/** zerosLike / onesLike of a traced value: a constant, since shapes are fixed. */
function filledLike(fill: number): Converter {
  return (b, k) => {
    const out = outputOf(k);
    const size = out.shape.reduce((a, d) => a * d, 1);
    const values =
      out.dtype === 'int32' ? new Int32Array(size).fill(fill) : new Float32Array(size).fill(fill);
    b.define(out, b.tensor(values, out.shape, out.dtype === 'int32' ? 'int32' : 'float32'), 'nhwc');
  };
}

export const elementwiseConverters: Record<string, Converter> = {
  Add: binary('Add'),
  AddV2: binary('Add'),
  Sub: binary('Sub'),
  Multiply: binary('Mul'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Pow: binary('Pow'),
  Greater: binary('Greater'),
  GreaterEqual: binary('GreaterOrEqual'),
  Less: binary('Less'),
  LessEqual: binary('LessOrEqual'),
  Equal: binary('Equal'),
  SquaredDifference: squaredDifference,
  Prelu: prelu,
  Relu: unary('Relu'),
  Relu6: relu6,
  Elu: unary('Elu', { alpha: attr.float(1) }),
  Selu: unary('Selu'),
  LeakyRelu: leakyRelu,
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),
  Softplus: unary('Softplus'),
  Exp: unary('Exp'),
  Log: unary('Log'),
  Log1p: log1p,
  AddN: addN,
  Select: select,
  Step: step,
  ZerosLike: filledLike(0),
  OnesLike: filledLike(1),
  Sqrt: unary('Sqrt'),
  Rsqrt: rsqrt,
  Reciprocal: unary('Reciprocal'),
  Square: square,
  Neg: unary('Neg'),
  Abs: unary('Abs'),
  Sign: unary('Sign'),
  Erf: unary('Erf'),
  Floor: unary('Floor'),
  Ceil: unary('Ceil'),
  Sin: unary('Sin'),
  Cos: unary('Cos'),
  LogicalNot: unary('Not'),
  ClipByValue: clip,
  Cast: cast,
  Identity: unary('Identity'),
};
