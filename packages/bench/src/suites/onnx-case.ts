import { type BackendName, type Module, tf } from '@atelier/core';
import { createOnnxSession } from '@atelier/onnx';
import { formatRatio } from '../report.js';
import type { BenchCase, BenchResult, CaseStep } from '../types.js';

/** onnxruntime's intra-op threads: PyTorch's count in the reference scripts. */
export const ONNX_THREADS = 2;

/** Untimed runs in setup: the trace and compilation, then the arena's growth. */
const SETUP_RUNS = 4;

/** The suffix of a case that runs another case's module with onnxruntime. */
export const ONNX_SUFFIX = ' onnxruntime';

export interface OnnxCaseSpec {
  /** The case whose module this times natively (and whose PyTorch time it is compared with). */
  of: string;
  description: string;
  build():
    | { module: Module; input: tf.Tensor; dispose(): void }
    | Promise<{ module: Module; input: tf.Tensor; dispose(): void }>;
}

/**
 * A module of the suite exported with @atelier/onnx and run by onnxruntime-node. The
 * native run does not depend on the tfjs backend, so it is timed once, in the wasm
 * pass; the trace, the session's creation and its first runs happen in setup, untimed,
 * as PyTorch's model construction is.
 */
export function onnxCase(spec: OnnxCaseSpec): BenchCase {
  return {
    name: `${spec.of}${ONNX_SUFFIX}`,
    description: `${spec.description}; exported to ONNX by @atelier/onnx and run by onnxruntime-node (${ONNX_THREADS} threads)`,
    referenceCase: spec.of,
    skip(backend: BackendName): string | undefined {
      return backend === 'wasm'
        ? undefined
        : 'onnxruntime runs natively whatever the tfjs backend: timed once, in the wasm pass';
    },
    async setup(): Promise<CaseStep> {
      const { module, input, dispose } = await spec.build();
      const session = await createOnnxSession(module, { threads: ONNX_THREADS });
      // The first run traces and compiles; onnxruntime's memory arena then grows over the
      // next few runs (1.4 s, 1.2 s, 1.0 s, 0.86 s for a Gatys evaluation): steady state
      // is what an optimisation of hundreds of evaluations sees.
      for (let i = 0; i < SETUP_RUNS; i++) {
        tf.dispose((await session.run(input)) as tf.Tensor | tf.Tensor[]);
      }
      return {
        run: () => session.run(input) as Promise<tf.Tensor | tf.Tensor[]>,
        dispose: () => {
          void session.dispose();
          dispose();
        },
        note: `onnxruntime-node, ${ONNX_THREADS} threads, the trace made on wasm`,
      };
    },
  };
}

/**
 * Per computation (a case and its onnxruntime twin together), the fastest path against
 * PyTorch: a tfjs backend or onnxruntime. `cpuOnly` leaves WebGPU out.
 */
export function bestPaths(results: BenchResult[], label: string, cpuOnly: boolean): string[] {
  const base = (name: string) => name.replace(ONNX_SUFFIX, '');
  const lines: string[] = [];
  for (const name of [...new Set(results.map((r) => base(r.case)))]) {
    const timed = results.filter(
      (r) => base(r.case) === name && r.ratio !== null && !(cpuOnly && r.backend === 'webgpu'),
    );
    if (timed.length === 0) continue;
    const best = timed.reduce((a, b) => (a.ratio! <= b.ratio! ? a : b));
    const path = best.case.endsWith(ONNX_SUFFIX) ? 'onnxruntime (@atelier/onnx)' : best.backend;
    lines.push(`- ${name}: ${label} ${path}, ${formatRatio(best.ratio!)} PyTorch (target ≤ 1.0×).`);
  }
  return lines;
}
