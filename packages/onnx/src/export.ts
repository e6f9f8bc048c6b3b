import { ArgumentError, describe, isModule, type Module, tf } from '@atelier/core';
import { CONVERTERS } from './converters/index.js';
import { OnnxExportError } from './errors.js';
import { GraphBuilder, UnsupportedError } from './graph-builder.js';
import { encodeOnnxModel, type OnnxModel } from './onnx-model.js';
import { type OutputStructure, readConstants, type TracedKernel, traceForward } from './trace.js';

/** The default opset: ONNX 1.12's, which every onnxruntime since 1.12 runs. */
export const ONNX_OPSET = 17;

export interface ExportOnnxOptions {
  /**
   * An example input, or its NHWC shape. The graph is for this shape: tfjs records
   * concrete shapes, as torch.onnx.export does without dynamic axes.
   */
  input: tf.Tensor | number[];
  /** The graph's name; the module's class name by default. */
  name?: string;
}

/** A traced module as an ONNX model, with what a session needs to feed and read it. */
export interface OnnxGraphExport {
  model: OnnxModel;
  inputName: string;
  inputShape: number[];
  outputNames: string[];
  outputShapes: number[][];
  structure: OutputStructure;
}

function exampleInput(input: unknown): { tensor: tf.Tensor; owned: boolean } {
  if (input instanceof tf.Tensor) {
    if (input.dtype !== 'float32') {
      throw new ArgumentError(
        `exportOnnx: expected a float32 input, got a tensor of dtype ${input.dtype}`,
      );
    }
    return { tensor: input, owned: false };
  }
  if (
    Array.isArray(input) &&
    input.length > 0 &&
    input.every((d) => Number.isInteger(d) && d > 0)
  ) {
    return { tensor: tf.zeros(input as number[]), owned: true };
  }
  throw new ArgumentError(
    `exportOnnx: options.input must be an example tensor or its shape (positive integers), got ${describe(input)}`,
  );
}

function outputName(structure: OutputStructure, index: number): string {
  switch (structure.kind) {
    case 'single':
      return 'output';
    case 'array':
      return `output_${index}`;
    case 'record':
      return structure.keys[index]!;
  }
}

/**
 * Writes the ONNX nodes of traced kernels; every kernel without an ONNX form is named
 * in one error of class `ErrorClass` (`what` says whose kernels they are).
 */
export function convertKernels(
  b: GraphBuilder,
  kernels: TracedKernel[],
  what: string,
  ErrorClass: new (message: string, unsupported: string[]) => OnnxExportError,
): void {
  const unsupported = new Set<string>();
  for (const k of kernels) if (!CONVERTERS[k.name]) unsupported.add(k.name);
  if (unsupported.size > 0) {
    const names = [...unsupported];
    throw new ErrorClass(`${what} runs kernels with no ONNX form here: ${names.join(', ')}`, names);
  }
  for (const k of kernels) {
    try {
      CONVERTERS[k.name]!(b, k);
    } catch (error) {
      if (error instanceof UnsupportedError) {
        const form = `${k.name}: ${error.message}`;
        throw new ErrorClass(`${what}: no ONNX form for ${form}`, [form]);
      }
      throw error;
    }
  }
}

/** Traces `module` on the current backend and builds its ONNX graph (any backend: weights are read asynchronously). */
export async function buildOnnxGraph(
  module: Module,
  options: ExportOnnxOptions,
): Promise<OnnxGraphExport> {
  if (!isModule(module)) {
    throw new ArgumentError(`exportOnnx: expected a Module, got ${describe(module)}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError(`exportOnnx: expected options with an input, got ${describe(options)}`);
  }
  const { tensor, owned } = exampleInput(options.input);
  let trace: ReturnType<typeof traceForward>;
  try {
    trace = traceForward(module, tensor);
  } finally {
    if (owned) tensor.dispose();
  }
  // Read (and free) the constants first: a refusal below leaves nothing behind.
  await readConstants(trace);

  const b = new GraphBuilder();
  const inputName = 'input';
  b.define(trace.input, inputName, 'nhwc');
  convertKernels(b, trace.kernels, `exportOnnx: ${module.constructor.name}`, OnnxExportError);

  const outputNames = trace.outputs.map((_, i) => outputName(trace.structure, i));
  trace.outputs.forEach((ref, i) => {
    b.nodes.push({
      op: 'Identity',
      name: `output_identity_${i}`,
      inputs: [b.input(ref, 'nhwc')],
      outputs: [outputNames[i]!],
      attributes: {},
    });
  });

  const model: OnnxModel = {
    graph: {
      name: options.name ?? module.constructor.name,
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [{ name: inputName, dtype: 'float32', dims: trace.input.shape }],
      outputs: trace.outputs.map((ref, i) => ({
        name: outputNames[i]!,
        dtype: ref.dtype === 'int32' ? 'int32' : ref.dtype === 'bool' ? 'bool' : 'float32',
        dims: ref.shape,
      })),
    },
    opset: ONNX_OPSET,
    producer: { name: 'atelier', version: '0' },
    docString: 'NHWC input and outputs, as the Atelier module that was traced.',
  };
  return {
    model,
    inputName,
    inputShape: trace.input.shape,
    outputNames,
    outputShapes: trace.outputs.map((r) => r.shape),
    structure: trace.structure,
  };
}

/**
 * Writes a module as an ONNX model (opset 17) by tracing its forward on an example
 * input in eval mode: the bytes of an `.onnx` file that onnxruntime (Node, web, Python,
 * C++) and other ONNX tools run. Input and outputs are NHWC, as the module's; inside,
 * convolutions run in NCHW. Weights are copied: later training does not reach the file.
 */
export async function exportOnnx(module: Module, options: ExportOnnxOptions): Promise<Uint8Array> {
  return encodeOnnxModel((await buildOnnxGraph(module, options)).model);
}
