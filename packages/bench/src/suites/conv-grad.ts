import { tf } from '@atelier/core';
import {
  encodeOnnxModel,
  loadOnnxRuntime,
  ONNX_OPSET,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from '@atelier/onnx';
import type { BenchCase, BenchResult, CaseStep, Suite } from '../types.js';
import { ONNX_THREADS } from './onnx-case.js';

/**
 * The convolution's backward pass on onnxruntime: each candidate formulation of a
 * 3×3, stride-1, padding-1 convolution's input gradient and weight gradient as its own
 * ONNX graph, timed beside PyTorch's forward, input gradient and weight gradient in
 * the same run. The fastest candidate per gradient is what training graphs use.
 */

const N = 1;
const H = 128;
const W = 128;
const CIN = 64;
const COUT = 64;
const K = 3;

interface Candidate {
  /** The case name: `<gradient>/<formulation>`. */
  name: string;
  description: string;
  /** The PyTorch case it computes the same thing as. */
  of: 'forward' | 'input-grad' | 'weight-grad';
  /** Graph nodes from inputs `x` [N,Cin,H,W], `dy` [N,Cout,H,W], `w` [Cout,Cin,K,K] to `out`. */
  nodes(g: Graph): void;
}

/** A tiny ONNX graph writer for hand-made candidates. */
class Graph {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  #n = 0;
  node(
    op: string,
    inputs: string[],
    attributes: OnnxNode['attributes'] = {},
    out?: string,
  ): string {
    const name = out ?? `${op}_${this.#n++}`;
    this.nodes.push({ op, name, inputs, outputs: [name], attributes });
    return name;
  }
  ints(values: number[]): string {
    const name = `c_${this.#n++}`;
    this.initializers.push({
      name,
      dtype: 'int64',
      dims: [values.length],
      data: BigInt64Array.from(values.map(BigInt)),
    });
    return name;
  }
  slice(x: string, starts: number[], ends: number[], axes: number[]): string {
    return this.node('Slice', [x, this.ints(starts), this.ints(ends), this.ints(axes)]);
  }
}

const ints = (value: number[]) => ({ type: 'ints' as const, value });
const int = (value: number) => ({ type: 'int' as const, value });

/** The nine taps of the zero-padded input, each [N,Cin,H,W], tap-major. */
function taps(g: Graph, x: string): string[] {
  const padded = g.node('Pad', [x, g.ints([0, 0, 1, 1, 0, 0, 1, 1])]);
  const out: string[] = [];
  for (let i = 0; i < K; i++)
    for (let j = 0; j < K; j++) out.push(g.slice(padded, [i, j], [i + H, j + W], [2, 3]));
  return out;
}

/** [Cout, K·K·Cin] (tap-major) as the OIHW filter gradient. */
function tapMajorToOihw(g: Graph, m: string, out: string): void {
  const r = g.node('Reshape', [m, g.ints([COUT, K, K, CIN])]);
  g.node('Transpose', [r], { perm: ints([0, 3, 1, 2]) }, out);
}

const CANDIDATES: Candidate[] = [
  {
    name: 'forward/Conv',
    description: 'forward: Conv',
    of: 'forward',
    nodes: (g) => {
      g.node('Conv', ['x', 'w'], { kernel_shape: ints([K, K]), pads: ints([1, 1, 1, 1]) }, 'out');
    },
  },
  {
    name: 'input-grad/ConvTranspose',
    description: 'input gradient: ConvTranspose of dy with the filter',
    of: 'input-grad',
    nodes: (g) => {
      // ConvTranspose's filter is [channels of dy, channels it makes, k, k]: w as it is.
      g.node(
        'ConvTranspose',
        ['dy', 'w'],
        { kernel_shape: ints([K, K]), pads: ints([1, 1, 1, 1]) },
        'out',
      );
    },
  },
  {
    name: 'input-grad/Conv-flipped',
    description: 'input gradient: Conv of dy with the flipped, in/out-swapped filter',
    of: 'input-grad',
    nodes: (g) => {
      const swapped = g.node('Transpose', ['w'], { perm: ints([1, 0, 2, 3]) });
      const flipped = g.node('Slice', [
        swapped,
        g.ints([-1, -1]),
        g.ints([-K - 1, -K - 1]),
        g.ints([2, 3]),
        g.ints([-1, -1]),
      ]);
      g.node(
        'Conv',
        ['dy', flipped],
        { kernel_shape: ints([K, K]), pads: ints([1, 1, 1, 1]) },
        'out',
      );
    },
  },
  {
    name: 'weight-grad/Conv-swapped',
    description: 'weight gradient: Conv of x with dy as the filter, batch and channels swapped',
    of: 'weight-grad',
    nodes: (g) => {
      const xt = g.node('Transpose', ['x'], { perm: ints([1, 0, 2, 3]) });
      const dyt = g.node('Transpose', ['dy'], { perm: ints([1, 0, 2, 3]) });
      const c = g.node('Conv', [xt, dyt], {
        kernel_shape: ints([H, W]),
        pads: ints([1, 1, 1, 1]),
      });
      g.node('Transpose', [c], { perm: ints([1, 0, 2, 3]) }, 'out');
    },
  },
  {
    name: 'weight-grad/im2col-Gemm',
    description:
      'weight gradient: nine shifted slices, Concat (im2col, [9·Cin, H·W]), one Gemm with dy',
    of: 'weight-grad',
    nodes: (g) => {
      const cols = g.node('Concat', taps(g, 'x'), { axis: int(1) });
      const c2 = g.node('Reshape', [cols, g.ints([K * K * CIN, H * W])]);
      const d2 = g.node('Reshape', ['dy', g.ints([COUT, H * W])]);
      tapMajorToOihw(g, g.node('Gemm', [d2, c2], { transB: int(1) }), 'out');
    },
  },
  {
    name: 'weight-grad/per-tap-Gemm',
    description: 'weight gradient: one Gemm per tap ([Cout, H·W]·[H·W, Cin]), stacked',
    of: 'weight-grad',
    nodes: (g) => {
      const d2 = g.node('Reshape', ['dy', g.ints([COUT, H * W])]);
      const parts = taps(g, 'x').map((t) => {
        const t2 = g.node('Reshape', [t, g.ints([CIN, H * W])]);
        return g.node('Unsqueeze', [g.node('Gemm', [d2, t2], { transB: int(1) }), g.ints([1])]);
      });
      tapMajorToOihw(g, g.node('Concat', parts, { axis: int(1) }), 'out');
    },
  },
  {
    name: 'weight-grad/NHWC-im2col-Gemm',
    description:
      'weight gradient in NHWC: x and dy transposed once, nine slices concatenated on channels ([H·W, 9·Cin]), one Gemm (transA)',
    of: 'weight-grad',
    nodes: (g) => {
      const xh = g.node('Transpose', ['x'], { perm: ints([0, 2, 3, 1]) });
      const dh = g.node('Transpose', ['dy'], { perm: ints([0, 2, 3, 1]) });
      const padded = g.node('Pad', [xh, g.ints([0, 1, 1, 0, 0, 1, 1, 0])]);
      const parts: string[] = [];
      for (let i = 0; i < K; i++)
        for (let j = 0; j < K; j++) parts.push(g.slice(padded, [i, j], [i + H, j + W], [1, 2]));
      const cols = g.node('Reshape', [
        g.node('Concat', parts, { axis: int(3) }),
        g.ints([H * W, K * K * CIN]),
      ]);
      const d2 = g.node('Reshape', [dh, g.ints([H * W, COUT])]);
      tapMajorToOihw(g, g.node('Gemm', [d2, cols], { transA: int(1) }), 'out');
    },
  },
  {
    name: 'weight-grad/tiled-im2col',
    description:
      'weight gradient: im2col in 8 tiles of 16 rows (each tile [9·Cin, 16·W], 4.7 MB, nearer the cache), a Gemm per tile, summed',
    of: 'weight-grad',
    nodes: (g) => {
      const rows = 16;
      const padded = g.node('Pad', ['x', g.ints([0, 0, 1, 1, 0, 0, 1, 1])]);
      const sums: string[] = [];
      for (let r = 0; r < H; r += rows) {
        const parts: string[] = [];
        for (let i = 0; i < K; i++)
          for (let j = 0; j < K; j++)
            parts.push(g.slice(padded, [r + i, j], [r + i + rows, j + W], [2, 3]));
        const cols = g.node('Reshape', [
          g.node('Concat', parts, { axis: int(1) }),
          g.ints([K * K * CIN, rows * W]),
        ]);
        const d = g.node('Reshape', [
          g.slice('dy', [r], [r + rows], [2]),
          g.ints([COUT, rows * W]),
        ]);
        sums.push(g.node('Gemm', [d, cols], { transB: int(1) }));
      }
      tapMajorToOihw(g, g.node('Sum', sums), 'out');
    },
  },
];

function model(candidate: Candidate): OnnxModel {
  const g = new Graph();
  candidate.nodes(g);
  const used = new Set(g.nodes.flatMap((n) => n.inputs));
  const inputs = (
    [
      ['x', [N, CIN, H, W]],
      ['dy', [N, COUT, H, W]],
      ['w', [COUT, CIN, K, K]],
    ] as const
  )
    .filter(([name]) => used.has(name))
    .map(([name, dims]) => ({ name, dtype: 'float32' as const, dims: [...dims] }));
  const outDims =
    candidate.of === 'weight-grad'
      ? [COUT, CIN, K, K]
      : [N, candidate.of === 'forward' ? COUT : CIN, H, W];
  return {
    graph: {
      name: candidate.name,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs,
      outputs: [{ name: 'out', dtype: 'float32', dims: outDims }],
    },
    opset: ONNX_OPSET,
    producer: { name: 'atelier-bench', version: '0' },
  };
}

/** Seeded values (a small LCG: the same inputs every run). */
function values(size: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** The inputs every candidate gets (and the PyTorch side draws its own of the same shapes). */
export function convGradInputs(): Record<'x' | 'dy' | 'w', { data: Float32Array; dims: number[] }> {
  return {
    x: { data: values(N * CIN * H * W, 1, 1), dims: [N, CIN, H, W] },
    dy: { data: values(N * COUT * H * W, 2, 1), dims: [N, COUT, H, W] },
    w: { data: values(COUT * CIN * K * K, 3, 0.05), dims: [COUT, CIN, K, K] },
  };
}

/** The candidates' case names, without the ' onnxruntime' suffix. */
export const CONV_GRAD_CANDIDATES = CANDIDATES.map((c) => ({ name: c.name, of: c.of }));

/** Runs a candidate once on `convGradInputs()`; its output (OIHW or NCHW) as onnxruntime gives it. */
export async function runConvGradCandidate(name: string): Promise<Float32Array> {
  const candidate = CANDIDATES.find((c) => c.name === name);
  if (!candidate) throw new Error(`no candidate ${name}`);
  const ort = await loadOnnxRuntime();
  const session = await ort.InferenceSession.create(encodeOnnxModel(model(candidate)), {
    executionProviders: ['cpu'],
    intraOpNumThreads: ONNX_THREADS,
  });
  const all = convGradInputs();
  const feeds = Object.fromEntries(
    model(candidate).graph.inputs.map((i) => {
      const v = all[i.name as 'x' | 'dy' | 'w'];
      return [i.name, new ort.Tensor('float32', v.data, v.dims)];
    }),
  );
  const out = (await session.run(feeds)).out!.data as Float32Array;
  await session.release();
  return out;
}

function candidateCase(candidate: Candidate): BenchCase {
  return {
    name: `${candidate.name} onnxruntime`,
    description: `${candidate.description}; x 1×${CIN}×${H}×${W}, ${COUT} filters ${K}×${K}`,
    referenceCase: `${candidate.of}/pytorch`,
    skip: (backend) =>
      backend === 'wasm' ? undefined : 'onnxruntime runs natively: timed once, in the wasm pass',
    async setup(): Promise<CaseStep> {
      const ort = await loadOnnxRuntime();
      const m = model(candidate);
      const session = await ort.InferenceSession.create(encodeOnnxModel(m), {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        interOpNumThreads: 1,
        intraOpNumThreads: ONNX_THREADS,
      });
      const all = convGradInputs();
      const feeds = Object.fromEntries(
        m.graph.inputs.map((i) => {
          const v = all[i.name as 'x' | 'dy' | 'w'];
          return [i.name, new ort.Tensor('float32', v.data, v.dims)];
        }),
      );
      for (let i = 0; i < 3; i++) await session.run(feeds);
      return {
        run: async () => {
          await session.run(feeds);
          return [] as tf.Tensor[];
        },
        dispose: () => void session.release(),
        note: `onnxruntime-node, ${ONNX_THREADS} threads, inputs fed as they are (no copies timed)`,
      };
    },
  };
}

/** PyTorch's own op, timed by python/conv_grad.py (no tfjs side: a placeholder run). */
function pytorchCase(of: Candidate['of']): BenchCase {
  return {
    name: `${of}/pytorch`,
    description: `PyTorch ${of === 'forward' ? 'F.conv2d' : of === 'input-grad' ? 'torch.nn.grad.conv2d_input' : 'torch.nn.grad.conv2d_weight'}, x 1×${CIN}×${H}×${W} → ${COUT}, 3×3`,
    reference: { op: of, x: [N, CIN, H, W], cout: COUT, kernel: K },
    skip: () => 'PyTorch only: the row holds its time for the candidates beside it',
    setup: () => ({ run: () => tf.scalar(0), dispose: () => undefined }),
  };
}

export const convGradSuite: Suite = {
  name: 'conv-grad',
  description: `Candidates for the gradients of a 3×3 stride-1 convolution (x 1×${CIN}×${H}×${W} → ${COUT}) on onnxruntime-node (${ONNX_THREADS} threads), each its own ONNX graph, beside PyTorch's forward, input gradient and weight gradient (2 threads) in the same run.`,
  python: 'conv_grad.py',
  cases: [
    pytorchCase('forward'),
    pytorchCase('input-grad'),
    pytorchCase('weight-grad'),
    ...CANDIDATES.map(candidateCase),
  ],
  protocol: { wasm: { warmup: 2, runs: 15 }, reference: { warmup: 2, runs: 15 } },
  notes(results: BenchResult[]): string[] {
    const lines: string[] = [];
    for (const of of ['input-grad', 'weight-grad'] as const) {
      const timed = results.filter(
        (r) => r.case.startsWith(`${of}/`) && r.case.endsWith(' onnxruntime') && r.ms !== null,
      );
      if (timed.length === 0) continue;
      const best = timed.reduce((a, b) => (a.ms! <= b.ms! ? a : b));
      lines.push(
        `- ${of}: fastest candidate ${best.case.replace(' onnxruntime', '')}, ${best.ms!.toFixed(1)} ms${best.ratio !== null ? ` (${best.ratio.toFixed(2)}× PyTorch)` : ''}.`,
      );
    }
    return lines;
  },
};
