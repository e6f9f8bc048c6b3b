import { BackendError } from '@atelier/core';

/**
 * The part of onnxruntime-node's API the sessions use, typed here so that this package
 * builds and type-checks without it: onnxruntime-node is an optional peer dependency.
 */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}

export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OrtRuntime {
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession>;
  };
  Tensor: new (
    type: 'float32' | 'int32' | 'bool',
    data: Float32Array | Int32Array | Uint8Array,
    dims: readonly number[],
  ) => OrtTensor;
}

let runtime: Promise<OrtRuntime> | undefined;

/** onnxruntime-node, imported once; a BackendError saying how to install it when absent. */
export function loadOnnxRuntime(): Promise<OrtRuntime> {
  runtime ??= (async () => {
    // A computed specifier keeps bundlers from resolving a Node-only package.
    const specifier = 'onnxruntime-node';
    try {
      const imported = (await import(/* @vite-ignore */ specifier)) as OrtRuntime & {
        default?: OrtRuntime;
      };
      return imported.InferenceSession ? imported : imported.default!;
    } catch (error) {
      runtime = undefined;
      throw new BackendError(
        'ONNX sessions need the onnxruntime-node package (npm i onnxruntime-node), which could not be loaded',
        { cause: error },
      );
    }
  })();
  return runtime;
}
