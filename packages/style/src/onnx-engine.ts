import { BackendError, type Module, type tf } from '@atelier/core';

/** The part of @atelier/onnx used here: an optional peer dependency, loaded on demand. */
export interface OnnxPackage {
  createOnnxSession(
    module: Module,
    options?: { threads?: number },
  ): Promise<{ run(x: tf.Tensor): Promise<unknown>; dispose(): Promise<void> }>;
}

/** @atelier/onnx, or a BackendError saying what to install; `fn` names the caller. */
export async function loadOnnx(fn: string): Promise<OnnxPackage> {
  // A computed specifier: bundlers leave an optional, Node-only package alone.
  const specifier = '@atelier/onnx';
  try {
    return (await import(/* @vite-ignore */ specifier)) as OnnxPackage;
  } catch (error) {
    throw new BackendError(
      `${fn}: engine 'onnxruntime' needs @atelier/onnx and onnxruntime-node (npm i @atelier/onnx onnxruntime-node)`,
      { cause: error },
    );
  }
}
