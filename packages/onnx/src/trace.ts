import { type Module, tf } from '@atelier/core';

/**
 * Tracing: runs a module's forward once and records every kernel TensorFlow.js runs on
 * a tensor that depends on the input, as torch.onnx.export records a PyTorch forward.
 * Everything that does not depend on the input (weights, and whatever the forward
 * computes from weights alone) is a constant whose values are read during the run.
 * Kernels that other kernels run inside themselves are not recorded: only what the
 * forward asked for.
 */

export type TypedValues = Float32Array | Int32Array | Uint8Array;

export interface TracedValue {
  kind: 'value';
  /** tfjs's tensor id: unique per tensor object for the life of the engine. */
  id: number;
  shape: number[];
  dtype: tf.DataType;
}

export interface TracedConstant {
  kind: 'constant';
  /** The tensor id it was read from: the same weight used twice is stored once. */
  id: number;
  shape: number[];
  dtype: tf.DataType;
  /** Read after the forward (`readConstants`): WebGPU in Node reads only asynchronously. */
  values: TypedValues;
}

export type TracedRef = TracedValue | TracedConstant;

export interface TracedKernel {
  name: string;
  /** The kernel's named inputs, in the order the op passed them. */
  inputs: [string, TracedRef][];
  attrs: Record<string, unknown>;
  outputs: TracedValue[];
}

/** What forward returned: one tensor, an array of them, or a record of them. */
export type OutputStructure =
  | { kind: 'single' }
  | { kind: 'array'; length: number }
  | { kind: 'record'; keys: string[] };

export interface Trace {
  input: TracedValue;
  /** The constants' tensors, kept alive until `readConstants` has read and freed them. */
  pending: Map<TracedConstant, tf.Tensor>;
  kernels: TracedKernel[];
  outputs: TracedRef[];
  structure: OutputStructure;
}

interface KernelRunner {
  runKernel(
    name: string,
    inputs: Record<string, tf.Tensor>,
    attrs?: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[];
}

const EMPTY = new Float32Array(0);

function flattenOutputs(result: unknown): { tensors: tf.Tensor[]; structure: OutputStructure } {
  if (result instanceof tf.Tensor) return { tensors: [result], structure: { kind: 'single' } };
  if (Array.isArray(result) && result.every((t) => t instanceof tf.Tensor)) {
    return { tensors: result, structure: { kind: 'array', length: result.length } };
  }
  if (result !== null && typeof result === 'object') {
    const entries = Object.entries(result);
    if (entries.length > 0 && entries.every(([, t]) => t instanceof tf.Tensor)) {
      return {
        tensors: entries.map(([, t]) => t as tf.Tensor),
        structure: { kind: 'record', keys: entries.map(([k]) => k) },
      };
    }
  }
  throw new TypeError(
    'forward must return a tensor, an array of tensors or a record of tensors to be exported',
  );
}

/**
 * Runs `module.forward(input)` in eval mode (the module's training flags are restored
 * afterwards) and returns what ran. The output tensors are disposed.
 */
export function traceForward(module: Module, input: tf.Tensor): Trace {
  const engine = tf.engine() as unknown as KernelRunner;
  const original = engine.runKernel;
  const ownMethod = Object.hasOwn(engine, 'runKernel');
  const modes = [...module.namedModules()].map(([, m]) => [m, m.training] as const);
  const dependent = new Set<number>([input.id]);
  const constants = new Map<number, TracedConstant>();
  const pending = new Map<TracedConstant, tf.Tensor>();
  const kernels: TracedKernel[] = [];
  let depth = 0;

  // tfjs saves the tensors a gradient needs as clones, made inside the kernel that uses
  // them (so not recorded): a clone stands for the tensor it copies.
  const aliases = new Map<number, number>();
  const resolve = (t: tf.Tensor): number => aliases.get(t.id) ?? t.id;

  const ref = (t: tf.Tensor): TracedRef => {
    const id = resolve(t);
    if (dependent.has(id)) return { kind: 'value', id, shape: [...t.shape], dtype: t.dtype };
    let c = constants.get(id);
    if (!c) {
      c = { kind: 'constant', id, shape: [...t.shape], dtype: t.dtype, values: EMPTY };
      constants.set(id, c);
      // A clone shares the data; kept, it outlives the forward's tidy.
      pending.set(c, tf.keep(tf.clone(t)));
    }
    return c;
  };

  engine.runKernel = function (this: KernelRunner, name, inputs, attrs) {
    if (depth > 0) {
      const result = original.call(this, name, inputs, attrs);
      const source = inputs?.x;
      if (name === 'Identity' && source instanceof tf.Tensor && result instanceof tf.Tensor) {
        aliases.set(result.id, resolve(source));
      }
      return result;
    }
    const named = Object.entries(inputs ?? {}).filter(([, t]) => t instanceof tf.Tensor);
    const onInput = named.some(([, t]) => dependent.has(resolve(t)));
    depth++;
    let result: tf.Tensor | tf.Tensor[];
    try {
      result = original.call(this, name, inputs, attrs);
    } finally {
      depth--;
    }
    if (onInput) {
      const outs = Array.isArray(result) ? result : [result];
      for (const t of outs) dependent.add(t.id);
      kernels.push({
        name,
        inputs: named.map(([key, t]) => [key, ref(t)]),
        attrs: { ...(attrs ?? {}) },
        outputs: outs.map((t) => ({
          kind: 'value',
          id: t.id,
          shape: [...t.shape],
          dtype: t.dtype,
        })),
      });
    }
    return result;
  };

  try {
    module.eval();
    let trace: Trace | undefined;
    tf.tidy(() => {
      const { tensors, structure } = flattenOutputs(module.forward(input));
      trace = {
        input: { kind: 'value', id: input.id, shape: [...input.shape], dtype: input.dtype },
        pending,
        kernels,
        outputs: tensors.map(ref),
        structure,
      };
    });
    return trace!;
  } catch (error) {
    tf.dispose([...pending.values()]);
    throw error;
  } finally {
    if (ownMethod) engine.runKernel = original;
    else delete (engine as Partial<KernelRunner>).runKernel;
    for (const [m, training] of modes) m.training = training;
  }
}

/** Reads the values of a trace's constants and frees the tensors that held them. */
export async function readConstants(trace: Trace): Promise<void> {
  try {
    for (const [c, t] of trace.pending) {
      const data = await t.data();
      if (
        data instanceof Float32Array ||
        data instanceof Int32Array ||
        data instanceof Uint8Array
      ) {
        c.values = data.slice();
      } else {
        throw new TypeError(`cannot export a ${t.dtype} constant`);
      }
    }
  } finally {
    tf.dispose([...trace.pending.values()]);
    trace.pending.clear();
  }
}
