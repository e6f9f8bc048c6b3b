import { type BackendName, currentBackend, ops, tf } from '@atelier/core';
import { formatMs } from '../report.js';
import type { BenchCase, BenchResult, CaseStep, Suite } from '../types.js';

/** A convolution as PyTorch states it (NHWC sizes here; the script builds NCHW). */
interface ConvSpec {
  op: 'conv2d' | 'conv_transpose2d';
  x: [number, number, number, number];
  cout: number;
  kernel: number;
  stride: number;
  padding: number;
  dilation: number;
  groups: number;
  output_padding: number;
}

type Conv = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/** The filter of a spec, in the layout Atelier's ops take (tfjs's, HWIO). */
function filterShape(spec: ConvSpec): [number, number, number, number] {
  const cin = spec.x[3];
  if (spec.op === 'conv_transpose2d') return [spec.kernel, spec.kernel, spec.cout, cin];
  return [spec.kernel, spec.kernel, cin / spec.groups, spec.cout];
}

/** The convolution of a spec, through Atelier's ops (PyTorch's padding semantics). */
function convOf(spec: ConvSpec): Conv {
  if (spec.op === 'conv_transpose2d') {
    return (x, w) =>
      ops.conv2dTranspose(x, w, {
        stride: spec.stride,
        padding: spec.padding,
        outputPadding: spec.output_padding,
      });
  }
  return (x, w) =>
    ops.conv2d(x, w, {
      stride: spec.stride,
      padding: spec.padding,
      dilation: spec.dilation,
      groups: spec.groups,
    });
}

function shapeText(shape: readonly number[]): string {
  return shape.join('×');
}

/**
 * Where a case takes minutes a run (measured on a 2-core machine), so it is skipped:
 * per backend, the passes that do ('backward': forward+backward only).
 */
type SlowPasses = Partial<Record<BackendName, 'backward' | 'both'>>;

/** Why a case is skipped on `backend`, if it is. */
function slowReason(slow: SlowPasses, backward: boolean, backend: BackendName): string | undefined {
  const passes = slow[backend];
  if (passes === undefined || (passes === 'backward' && !backward)) return undefined;
  if (backend === 'webgpu') {
    // WebGPU on a CPU (SwiftShader) only: a hardware adapter runs these in milliseconds.
    return currentBackend()?.adapter?.isSoftware === true
      ? 'skipped on the software WebGPU adapter: minutes a run there'
      : undefined;
  }
  return `skipped on ${backend}: minutes a run there`;
}

function convCase(
  key: string,
  what: string,
  spec: ConvSpec,
  backward: boolean,
  slow: SlowPasses,
): BenchCase {
  return {
    name: `${key}/${backward ? 'forward+backward' : 'forward'}`,
    description: `${what}, ${shapeText(spec.x)} → ${spec.cout}${backward ? ', gradients of input and filter' : ''}`,
    reference: { ...spec, backward },
    skip: (backend) => slowReason(slow, backward, backend),
    setup(): CaseStep {
      const conv = convOf(spec);
      const x = tf.randomNormal(spec.x, 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal(filterShape(spec), 0, 0.05, 'float32', 2) as tf.Tensor4D;
      if (!backward) {
        return { run: () => tf.tidy(() => conv(x, w)), dispose: () => tf.dispose([x, w]) };
      }
      const outShape = tf.tidy(() => conv(x, w).shape);
      const dy = tf.randomNormal(outShape, 0, 1, 'float32', 3);
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
    },
  };
}

/** Instance norm as a composition of tfjs ops: what the fused kernel replaces. */
function composedInstanceNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(tf.sub(x, mean), scale), beta);
}

const NORM_SHAPE: [number, number, number, number] = [1, 64, 64, 32];
const SMOKE_NORM_SHAPE: [number, number, number, number] = [1, 8, 8, 32];

function normCase(composed: boolean, backward: boolean, shape = NORM_SHAPE): BenchCase {
  const norm = composed
    ? composedInstanceNorm
    : (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => ops.instanceNorm(x, { gamma, beta });
  return {
    name: `${composed ? 'instanceNorm-composed' : 'instanceNorm'}/${backward ? 'forward+backward' : 'forward'}`,
    description: `instance norm with gamma and beta, ${shapeText(shape)}, ${
      composed ? 'as tf.moments + arithmetic' : 'ops.instanceNorm (one kernel)'
    }${backward ? ', gradients of input, gamma, beta' : ''}`,
    reference: { op: 'instance_norm', x: shape, backward },
    setup(): CaseStep {
      const c = shape[3];
      const x = tf.randomNormal(shape, 0, 1, 'float32', 4);
      const gamma = tf.randomNormal([c], 1, 0.1, 'float32', 5);
      const beta = tf.randomNormal([c], 0, 0.1, 'float32', 6);
      const dy = tf.randomNormal(shape, 0, 1, 'float32', 7);
      const dispose = () => tf.dispose([x, gamma, beta, dy]);
      if (!backward) return { run: () => tf.tidy(() => norm(x, gamma, beta)), dispose };
      return {
        run: () =>
          tf.tidy(() =>
            tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => norm(a, g, b))(
              [x, gamma, beta],
              dy,
            ),
          ),
        dispose,
      };
    },
  };
}

// key, what, spec, and where it takes minutes a run.
const CONVS: [string, string, ConvSpec, SlowPasses][] = [
  [
    'conv3x3',
    '3×3 conv, stride 1, padding 1',
    {
      op: 'conv2d',
      x: [1, 128, 128, 64],
      cout: 64,
      kernel: 3,
      stride: 1,
      padding: 1,
      dilation: 1,
      groups: 1,
      output_padding: 0,
    },
    { webgpu: 'backward', cpu: 'backward' },
  ],
  [
    'grouped',
    '3×3 grouped conv, 32 groups of 4 channels (ResNeXt), padding 1',
    {
      op: 'conv2d',
      x: [1, 64, 64, 128],
      cout: 128,
      kernel: 3,
      stride: 1,
      padding: 1,
      dilation: 1,
      groups: 32,
      output_padding: 0,
    },
    { webgpu: 'both' },
  ],
  [
    'dilated',
    '3×3 conv, dilation 2, padding 2',
    {
      op: 'conv2d',
      x: [1, 128, 128, 64],
      cout: 64,
      kernel: 3,
      stride: 1,
      padding: 2,
      dilation: 2,
      groups: 1,
      output_padding: 0,
    },
    { webgpu: 'backward', cpu: 'backward' },
  ],
  [
    'transposed',
    '4×4 transposed conv, stride 2, padding 1 (64² → 128²)',
    {
      op: 'conv_transpose2d',
      x: [1, 64, 64, 64],
      cout: 32,
      kernel: 4,
      stride: 2,
      padding: 1,
      dilation: 1,
      groups: 1,
      output_padding: 0,
    },
    {},
  ],
];

/** A spec at an eighth of its side (64² → 8²): the same convolution, for a smoke run. */
function smokeSpec(spec: ConvSpec): ConvSpec {
  const [n, h, w, c] = spec.x;
  return { ...spec, x: [n, h / 8, w / 8, c] };
}

/** Every case at tiny sizes, run on every backend. */
function smokeCases(): BenchCase[] {
  return [
    ...CONVS.flatMap(([key, what, spec]) => [
      convCase(key, what, smokeSpec(spec), false, {}),
      convCase(key, what, smokeSpec(spec), true, {}),
    ]),
    normCase(false, false, SMOKE_NORM_SHAPE),
    normCase(false, true, SMOKE_NORM_SHAPE),
    normCase(true, false, SMOKE_NORM_SHAPE),
    normCase(true, true, SMOKE_NORM_SHAPE),
  ];
}

/** Lines comparing the fused instance norm with its composition, per backend. */
function fusedVersusComposed(results: BenchResult[]): string[] {
  const lines: string[] = [];
  for (const pass of ['forward', 'forward+backward']) {
    const parts: string[] = [];
    for (const backend of ['cpu', 'wasm', 'webgpu'] as BackendName[]) {
      const get = (name: string) =>
        results.find((r) => r.backend === backend && r.case === `${name}/${pass}`)?.ms ?? null;
      const fused = get('instanceNorm');
      const composed = get('instanceNorm-composed');
      if (fused === null || composed === null) continue;
      parts.push(
        `${backend} ${formatMs(fused)} ms vs ${formatMs(composed)} ms (composition / fused = ${(composed / fused).toFixed(1)})`,
      );
    }
    if (parts.length > 0)
      lines.push(`- instance norm ${pass}, fused kernel vs composition: ${parts.join('; ')}.`);
  }
  return lines;
}

export const opsSuite: Suite = {
  name: 'ops',
  description:
    'The convolutions of the course (plain, grouped, dilated, transposed) and instance norm, forward and forward+backward, on each backend beside PyTorch (NCHW, CPU) on the same machine.',
  python: 'ops.py',
  cases: [
    ...CONVS.flatMap(([key, what, spec, slow]) => [
      convCase(key, what, spec, false, slow),
      convCase(key, what, spec, true, slow),
    ]),
    normCase(false, false),
    normCase(false, true),
    normCase(true, false),
    normCase(true, true),
  ],
  smokeCases: smokeCases(),
  notes: fusedVersusComposed,
};
