import { attr, type GraphBuilder, UnsupportedError } from '../graph-builder.js';
import type { TracedRef } from '../trace.js';
import { type Converter, inputOf, optionalInputOf, outputOf } from './types.js';

function vectorOrConstant(
  b: GraphBuilder,
  ref: TracedRef | undefined,
  channels: number,
  fill: number,
): string {
  if (!ref) return b.tensor(new Float32Array(channels).fill(fill), [channels], 'float32');
  if (ref.shape.length !== 1 || ref.shape[0] !== channels) {
    throw new UnsupportedError(`a per-channel parameter of shape [${ref.shape.join(', ')}]`);
  }
  return b.input(ref, 'nhwc');
}

/** @atelier/core's instance-norm kernel: ONNX's InstanceNormalization, biased variance too. */
const instanceNorm: Converter = (b, k) => {
  const x = inputOf(k, 'x');
  if (x.shape.length !== 4)
    throw new UnsupportedError(`instance norm of a rank-${x.shape.length} tensor`);
  const channels = x.shape[3]!;
  b.emit(
    outputOf(k),
    'nchw',
    'InstanceNormalization',
    [
      b.input(x, 'nchw'),
      vectorOrConstant(b, optionalInputOf(k, 'gamma'), channels, 1),
      vectorOrConstant(b, optionalInputOf(k, 'beta'), channels, 0),
    ],
    { epsilon: attr.float(k.attrs.epsilon as number) },
  );
};

/**
 * The instance norm's gradient kernel of @atelier/core, written out: with x̂ = (x - μ)·r
 * and r = 1/√(σ² + ε) per (sample, channel) plane, g = dy·γ,
 * dx = r·(g - mean(g) - x̂·mean(g·x̂)); and [Σ dy·x̂, Σ dy] over N, H, W for γ and β.
 */
const instanceNormGrad: Converter = (b, k) => {
  const x = inputOf(k, 'x');
  const dy = inputOf(k, 'dy');
  const channels = x.shape[3]!;
  const epsilon = k.attrs.epsilon as number;
  const planes = { axes: attr.ints([2, 3]), keepdims: attr.int(1) };
  const op = (name: string, inputs: string[], attributes = {}) =>
    b.node(name, inputs, attributes)[0]!;
  const xs = b.input(x, 'nchw');
  const dys = b.input(dy, 'nchw');
  const centred = op('Sub', [xs, op('ReduceMean', [xs], planes)]);
  const variance = op('ReduceMean', [op('Mul', [centred, centred])], planes);
  const rstd = op('Reciprocal', [op('Sqrt', [op('Add', [variance, b.scalar(epsilon)])])]);
  const xhat = op('Mul', [centred, rstd]);
  const gamma = op('Reshape', [b.input(inputOf(k, 'gamma'), 'nhwc'), b.int64([1, channels, 1, 1])]);
  const g = op('Mul', [dys, gamma]);
  const meanG = op('ReduceMean', [g], planes);
  const meanGX = op('ReduceMean', [op('Mul', [g, xhat])], planes);
  const dx = op('Mul', [rstd, op('Sub', [op('Sub', [g, meanG]), op('Mul', [xhat, meanGX])])]);
  b.define(outputOf(k, 0), dx, 'nchw');
  const sumNHW = (t: string) => op('ReduceSum', [t, b.int64([0, 2, 3])], { keepdims: attr.int(0) });
  const dgamma = op('Unsqueeze', [sumNHW(op('Mul', [dys, xhat])), b.int64([0])]);
  const dbeta = op('Unsqueeze', [sumNHW(dys), b.int64([0])]);
  b.define(outputOf(k, 1), op('Concat', [dgamma, dbeta], { axis: attr.int(0) }), 'nhwc');
};

/**
 * tf.batchNorm: BatchNormalization when its statistics are per-channel vectors of an
 * image; otherwise the formula, element-wise with broadcasting.
 */
const batchNorm: Converter = (b, k) => {
  const x = inputOf(k, 'x');
  const mean = inputOf(k, 'mean');
  const variance = inputOf(k, 'variance');
  const offset = optionalInputOf(k, 'offset');
  const scale = optionalInputOf(k, 'scale');
  const epsilon = (k.attrs.varianceEpsilon as number | undefined) ?? 0.001;
  const channels = x.shape[x.shape.length - 1]!;
  const perChannel = [mean, variance, offset, scale].every(
    (r) => r === undefined || (r.shape.length === 1 && r.shape[0] === channels),
  );
  if (x.shape.length === 4 && perChannel) {
    b.emit(
      outputOf(k),
      'nchw',
      'BatchNormalization',
      [
        b.input(x, 'nchw'),
        vectorOrConstant(b, scale, channels, 1),
        vectorOrConstant(b, offset, channels, 0),
        b.input(mean, 'nhwc'),
        b.input(variance, 'nhwc'),
      ],
      { epsilon: attr.float(epsilon) },
    );
    return;
  }
  const [centred] = b.node('Sub', [b.input(x, 'nhwc'), b.input(mean, 'nhwc')]);
  const [shifted] = b.node('Add', [b.input(variance, 'nhwc'), b.scalar(epsilon)]);
  const [root] = b.node('Sqrt', [shifted!]);
  let [y] = b.node('Div', [centred!, root!]);
  if (scale) [y] = b.node('Mul', [y!, b.input(scale, 'nhwc')]);
  if (offset) [y] = b.node('Add', [y!, b.input(offset, 'nhwc')]);
  b.define(outputOf(k), y!, 'nhwc');
};

export const normConverters: Record<string, Converter> = {
  AtelierInstanceNorm: instanceNorm,
  AtelierInstanceNormGrad: instanceNormGrad,
  FusedBatchNorm: batchNorm,
};
