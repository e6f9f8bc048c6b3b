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

/** A variable a traced step read before assigning it: a graph input holding state. */
export interface StateRead {
  variable: tf.Variable;
  value: TracedValue;
}

export interface RecorderOptions {
  /** Tensors the graph takes as inputs. */
  inputs: tf.Tensor[];
  /**
   * Variables that kernels read become graph inputs (state: parameters, optimizer
   * moments, norm statistics), and `assign` is followed, so a variable read after an
   * assignment is the assigned value. Without it variables are constants (inference).
   */
  variablesAsState?: boolean;
}

/**
 * Records the kernels TensorFlow.js runs on tensors that depend on the inputs (or, with
 * `variablesAsState`, on variables) between `start()` and `stop()`. Everything else a
 * recorded kernel reads is a constant whose values are read afterwards.
 */
export class KernelRecorder {
  readonly kernels: TracedKernel[] = [];
  readonly pending = new Map<TracedConstant, tf.Tensor>();
  /** Variables read before anything assigned them, in the order they were first read. */
  readonly stateReads: StateRead[] = [];
  /** Variables assigned while recording, in the order of their first assignment. */
  readonly assigned: tf.Variable[] = [];
  readonly #dependent = new Set<number>();
  readonly #constants = new Map<number, TracedConstant>();
  // tfjs saves the tensors a gradient needs as clones, made inside the kernel that uses
  // them (so not recorded): a clone stands for the tensor it copies. An assigned
  // variable stands for the value it was given.
  readonly #aliases = new Map<number, number>();
  readonly #variablesAsState: boolean;
  /** Each state variable's value before the recording changed it (for `restoreState`). */
  readonly #before = new Map<tf.Variable, tf.Tensor | TypedValues>();
  #depth = 0;
  #restore: (() => void) | undefined;

  constructor(options: RecorderOptions) {
    for (const t of options.inputs) this.#dependent.add(t.id);
    this.#variablesAsState = options.variablesAsState === true;
  }

  #resolve(t: tf.Tensor): number {
    return this.#aliases.get(t.id) ?? t.id;
  }

  /** Makes a tensor made while recording (a random draw) an input of the graph. */
  markInput(t: tf.Tensor): TracedValue {
    this.#dependent.add(t.id);
    return { kind: 'value', id: t.id, shape: [...t.shape], dtype: t.dtype };
  }

  /** What a tensor is in the graph: a value (input or computed) or a constant. */
  ref(t: tf.Tensor): TracedRef {
    const id = this.#resolve(t);
    if (this.#dependent.has(id)) return { kind: 'value', id, shape: [...t.shape], dtype: t.dtype };
    let c = this.#constants.get(id);
    if (!c) {
      c = { kind: 'constant', id, shape: [...t.shape], dtype: t.dtype, values: EMPTY };
      this.#constants.set(id, c);
      // A clone shares the data; kept, it outlives the forward's tidy.
      this.pending.set(c, tf.keep(tf.clone(t)));
    }
    return c;
  }

  #readState(t: tf.Tensor): void {
    if (!this.#variablesAsState || !(t instanceof tf.Variable)) return;
    const id = this.#resolve(t);
    if (this.#dependent.has(id) || this.#aliases.has(t.id)) return;
    this.#dependent.add(id);
    this.#keepBefore(t);
    this.stateReads.push({
      variable: t,
      value: { kind: 'value', id, shape: [...t.shape], dtype: t.dtype },
    });
  }

  #keepBefore(variable: tf.Variable): void {
    if (this.#before.has(variable)) return;
    // Copied out of the backend's memory where it can be read at once: wasm's heap is
    // 4 GB at most and a step at 256² needs most of it (kept there, the old weights and
    // moments of a UNet-256 add 650 MB). WebGPU in Node reads only asynchronously: there
    // a clone, which shares the data an assignment leaves alone.
    const copy =
      tf.getBackend() === 'webgpu'
        ? tf.keep(tf.clone(variable))
        : (variable.dataSync() as TypedValues).slice();
    this.#before.set(variable, copy);
  }

  /** Gives the variables the values they had before the recording (a dry run). */
  restoreState(): void {
    for (const [variable, value] of this.#before) {
      if (value instanceof tf.Tensor) variable.assign(value);
      else tf.tidy(() => variable.assign(tf.tensor(value, variable.shape, variable.dtype)));
    }
    this.releaseState();
  }

  /** Forgets the values of before the recording. */
  releaseState(): void {
    tf.dispose([...this.#before.values()].filter((v) => v instanceof tf.Tensor));
    this.#before.clear();
  }

  start(): void {
    if (this.#restore) throw new Error('internal: the recorder is running already');
    const engine = tf.engine() as unknown as KernelRunner;
    const original = engine.runKernel;
    const ownMethod = Object.hasOwn(engine, 'runKernel');
    const recorder = this;
    engine.runKernel = function (this: KernelRunner, name, inputs, attrs) {
      return recorder.#run(original, this, name, inputs, attrs);
    };
    const prototype = tf.Variable.prototype;
    const assign = prototype.assign;
    if (this.#variablesAsState) {
      prototype.assign = function (this: tf.Variable, value: tf.Tensor) {
        recorder.#onAssign(this, value);
        return assign.call(this, value);
      };
    }
    this.#restore = () => {
      if (ownMethod) engine.runKernel = original;
      else delete (engine as Partial<KernelRunner>).runKernel;
      prototype.assign = assign;
    };
  }

  stop(): void {
    this.#restore?.();
    this.#restore = undefined;
  }

  /** Frees the constants' tensors (after a failed trace). */
  dispose(): void {
    this.stop();
    this.releaseState();
    tf.dispose([...this.pending.values()]);
    this.pending.clear();
  }

  #onAssign(variable: tf.Variable, value: tf.Tensor): void {
    const id = this.#resolve(value);
    if (!this.#dependent.has(id)) {
      // A constant assigned (a reset): it becomes a value of the graph like any other.
      this.ref(value);
    }
    this.#keepBefore(variable);
    if (!this.assigned.includes(variable)) this.assigned.push(variable);
    this.#aliases.set(variable.id, id);
  }

  #run(
    original: KernelRunner['runKernel'],
    runner: KernelRunner,
    name: string,
    inputs: Record<string, tf.Tensor>,
    attrs?: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] {
    if (this.#depth > 0) {
      const result = original.call(runner, name, inputs, attrs);
      const source = inputs?.x;
      if (name === 'Identity' && source instanceof tf.Tensor && result instanceof tf.Tensor) {
        this.#aliases.set(result.id, this.#resolve(source));
      }
      return result;
    }
    const named = Object.entries(inputs ?? {}).filter(([, t]) => t instanceof tf.Tensor);
    for (const [, t] of named) this.#readState(t);
    const onInput = named.some(([, t]) => this.#dependent.has(this.#resolve(t)));
    this.#depth++;
    let result: tf.Tensor | tf.Tensor[];
    try {
      result = original.call(runner, name, inputs, attrs);
    } finally {
      this.#depth--;
    }
    if (onInput) {
      const outs = Array.isArray(result) ? result : [result];
      for (const t of outs) this.#dependent.add(t.id);
      this.kernels.push({
        name,
        inputs: named.map(([key, t]) => [key, this.ref(t)]),
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
  }
}

/**
 * Runs `module.forward(input)` in eval mode (the module's training flags are restored
 * afterwards) and returns what ran. The output tensors are disposed.
 */
export function traceForward(module: Module, input: tf.Tensor): Trace {
  const modes = [...module.namedModules()].map(([, m]) => [m, m.training] as const);
  const recorder = new KernelRecorder({ inputs: [input] });
  recorder.start();
  try {
    module.eval();
    let trace: Trace | undefined;
    tf.tidy(() => {
      const { tensors, structure } = flattenOutputs(module.forward(input));
      trace = {
        input: { kind: 'value', id: input.id, shape: [...input.shape], dtype: input.dtype },
        pending: recorder.pending,
        kernels: recorder.kernels,
        outputs: tensors.map((t) => recorder.ref(t)),
        structure,
      };
    });
    return trace!;
  } catch (error) {
    recorder.dispose();
    throw error;
  } finally {
    recorder.stop();
    for (const [m, training] of modes) m.training = training;
  }
}

/** Reads the values of a trace's constants and frees the tensors that held them. */
export async function readConstants(trace: Pick<Trace, 'pending'>): Promise<void> {
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
