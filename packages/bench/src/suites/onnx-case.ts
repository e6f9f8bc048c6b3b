import type { BackendName, Module, tf } from '@atelier/core';
import { createOnnxSession } from '@atelier/onnx';
import type { BenchCase, CaseStep } from '../types.js';

/** onnxruntime's intra-op threads: PyTorch's count in the reference scripts. */
export const ONNX_THREADS = 2;

/** The suffix of a case that runs another case's module with onnxruntime. */
export const ONNX_SUFFIX = ' onnxruntime';

export interface OnnxCaseSpec {
  /** The case whose module this times natively (and whose PyTorch time it is compared with). */
  of: string;
  description: string;
  build(): { module: Module; input: tf.Tensor; dispose(): void };
}

/**
 * A module of the suite exported with @atelier/onnx and run by onnxruntime-node. The
 * native run does not depend on the tfjs backend, so it is timed once, in the wasm
 * pass; the trace and the session's creation happen in setup, untimed, as PyTorch's
 * model construction is.
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
      const { module, input, dispose } = spec.build();
      const session = await createOnnxSession(module, { threads: ONNX_THREADS });
      const first = await session.run(input);
      (first as tf.Tensor).dispose();
      return {
        run: () => session.run(input) as Promise<tf.Tensor>,
        dispose: () => {
          void session.dispose();
          dispose();
        },
        note: `onnxruntime-node, ${ONNX_THREADS} threads, the trace made on wasm`,
      };
    },
  };
}
